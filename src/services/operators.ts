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

export async function createOfficer(ctx: ServiceContext, by: string, user: string, role: 'security_officer' | 'operator'): Promise<{ password: string }> {
  if (await repo.findOfficer(ctx.db, user)) fail('user_exists');
  const password = newOfficerPassword();
  const passwordHash = await hashOfficerPassword(password);
  await logChangeOrNote(
    ctx,
    {
      key: `officer:${user}`,
      effects: async ({ tx }) => {
        if (await repo.findOfficer(tx, user)) fail('user_exists');
        return [{ kind: 'officer_created', username: user, role, passwordHash, by }];
      },
    },
    by,
  );
  return { password };
}
