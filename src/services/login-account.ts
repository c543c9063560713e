import { fail } from '../errors.js';
import { parseMemberLogin } from '../protocol/index.js';
import { repo, type Q } from '../store/index.js';

/** Whom a login name opens: the account (its owner's customer row and meter) and the member, if any. */
export interface LoginAccount {
  readonly customerId: bigint;
  readonly meterId: string;
  /** null: the owner. */
  readonly member: string | null;
}

const UNKNOWN = 'unknown user, or registration not completed';

/** A registered customer, or an accepted member of one; one answer for every other name (no enumeration). */
export async function accountForLogin(q: Q, login: string): Promise<LoginAccount> {
  const named = parseMemberLogin(login);
  const owner = await repo.findCustomer(q, named ? named.owner : login);
  if (!owner?.registeredAt) fail('invalid_credentials', UNKNOWN);
  if (!named) return { customerId: owner.customerId, meterId: owner.meterId, member: null };
  const m = await repo.findMember(q, owner.meterId, named.member);
  // A locked member still reaches the module, which answers `meter_locked` under the member's own key.
  if (!m || (m.status !== 'active' && m.status !== 'locked')) fail('invalid_credentials', UNKNOWN);
  return { customerId: owner.customerId, meterId: owner.meterId, member: named.member };
}
