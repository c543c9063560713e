import { fail } from '../errors.js';
import type { OfficerRole } from '../protocol/index.js';
import { repo } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { logChangeOrNote, noModuleToLog } from './logged.js';
import { onMeter } from './commit/meter-op.js';
import { hashOfficerPassword, newOfficerPassword } from './passwords.js';
import { registeredCustomer } from './funding.js';

// Operator actions without a meter package: revoking a meter and creating officers. Logged, or
// noted when no module can log them (a second officer is what clearing a halt needs).

/**
 * Revoke a meter: the module marks the sealed package revoked, on a security officer's signed
 * statement, so no database change can bring it back. With no module to take it (all inhibited),
 * the revocation still applies to the database, and the audit trail says it is missing from the log.
 */
export async function revokeMeter(ctx: ServiceContext, officer: string, user: string, reason: string, authorization: unknown): Promise<{ meterId: string }> {
  const customer = await registeredCustomer(ctx, user);
  const meterId = customer.meterId;
  if (authorization === undefined) fail('officer_signature_required', 'sign the revocation with your officer key (vaultmeter admin revoke --officer-key)');
  try {
    await onMeter(ctx, 'revoke', meterId, { args: () => ({ reason, authorization, actor: officer, logExtra: { officer } }), answer: () => undefined });
  } catch (e) {
    if (!noModuleToLog(e)) throw e;
    await logChangeOrNote(ctx, { meterId, effects: () => [{ kind: 'meter_revoked', meterId, officer, reason }] }, officer);
  }
  return { meterId };
}

/** Return a locked meter to service, on a security officer's signed statement checked by the module. */
export async function unlockMeter(ctx: ServiceContext, officer: string, user: string, authorization: unknown): Promise<{ meterId: string; state: string }> {
  const customer = await registeredCustomer(ctx, user);
  if (authorization === undefined) fail('officer_signature_required', 'sign the unlock with your officer key (vaultmeter admin unlock --officer-key)');
  return onMeter(ctx, 'unlock', customer.meterId, {
    args: () => ({ authorization, actor: officer, logExtra: { officer } }),
    answer: (_scope, r) => ({ meterId: customer.meterId, state: r.state }),
  });
}

export interface NewOfficer {
  readonly user: string;
  readonly role: OfficerRole;
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
