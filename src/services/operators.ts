import { fail } from '../errors.js';
import { repo } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { logChangeOrNote } from './logged.js';
import { hashOfficerPassword, newOfficerPassword } from './passwords.js';
import { registeredCustomer } from './funding.js';

// Operator actions without a meter package: revoking a meter and creating officers. Logged, or
// noted when no module can log them (a second officer is what clearing a halt needs).

export async function revokeMeter(ctx: ServiceContext, officer: string, user: string, reason: string): Promise<{ meterId: string }> {
  const customer = await registeredCustomer(ctx, user);
  await logChangeOrNote(ctx, { meterId: customer.meterId, effects: () => [{ kind: 'meter_revoked', meterId: customer.meterId, officer, reason }] }, officer);
  return { meterId: customer.meterId };
}

export interface NewOfficer {
  readonly user: string;
  readonly role: 'security_officer' | 'operator';
  /** base64 SPKI of the officer's own P-256 key */
  readonly publicKey: string;
  /** Two security officers' `certify_officer` statement; the module checks it and issues the certificate. */
  readonly authorization: unknown;
}

/** A new officer: the module certifies the key on two security officers' signatures; the row only lets the officer log in. */
export async function createOfficer(ctx: ServiceContext, by: string, o: NewOfficer): Promise<{ password: string; certificatePem: string }> {
  if (await repo.findOfficer(ctx.db, o.user)) fail('user_exists');
  const { certificatePem, authorizedBy } = await ctx.modules.anyConnected().call('certifyOfficer', o);
  const password = newOfficerPassword();
  const passwordHash = await hashOfficerPassword(password);
  await logChangeOrNote(
    ctx,
    {
      key: `officer:${o.user}`,
      effects: async ({ tx }) => {
        if (await repo.findOfficer(tx, o.user)) fail('user_exists');
        return [{ kind: 'officer_created', username: o.user, role: o.role, passwordHash, by }];
      },
      logExtra: { certificatePem, authorizedBy, authorization: o.authorization },
    },
    by,
  );
  return { password, certificatePem };
}
