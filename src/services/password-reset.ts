import { fail } from '../errors.js';
import { repo } from '../store/index.js';
import type { ServiceContext } from './context.js';

// The customer's side of a dual-control password reset: the module's sealed answer, handed to
// whoever asks by user name. It opens only with the client MAC key, and the password inside logs in
// only with that key's MACs, so handing it out reveals nothing that could be used.

export interface PendingReset {
  readonly meterId: string;
  readonly resetNonce: string;
  readonly sealedPassword: string;
  readonly resetAt: string;
}

export async function pendingPasswordReset(ctx: ServiceContext, user: string): Promise<PendingReset> {
  const c = await repo.findCustomer(ctx.db, user);
  const row = c?.registeredAt ? await repo.findPasswordReset(ctx.db, c.meterId) : null;
  if (!c || !row) return fail('password_reset_none', 'customer care has not reset a password for this user');
  return {
    meterId: c.meterId,
    resetNonce: row.resetNonce.toString('hex'),
    sealedPassword: row.sealedPassword.toString('base64'),
    resetAt: row.resetAt.toISOString(),
  };
}
