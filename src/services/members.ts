import { createHash } from 'node:crypto';
import { fail } from '../errors.js';
import { memberLoginName, parseMemberLogin } from '../protocol/index.js';
import { mailRepo, repo, type MemberRow, type Q } from '../store/index.js';
import type { Answer, Remember } from './answer.js';
import { onMeter } from './commit/meter-op.js';
import type { ServiceContext } from './context.js';
import { invitationMail } from './mail/invitation-mail.js';
import { runMeterCommand, type CommandInput } from './meter-commands.js';
import type { Begun, Completed } from './registration.js';
import { endSessions, openSession, type CustomerSession } from './sessions.js';

// Several users per account (issue 14 item 1). The module keeps each member's credentials in the
// package and refuses what its role does not allow (module/member-desk.ts); here are the server's
// parts: resolving `owner+member` to the account, the owner's MAC'd invitation and removal, the
// invitation mail, the acceptance (a registration into the member's slot), and the listing.

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

export interface MemberView {
  readonly member: string;
  readonly login: string;
  readonly role: string;
  readonly status: MemberRow['status'];
  readonly email: string | null;
  readonly invitedAt: string;
  readonly expiresAt: string;
  readonly joinedAt: string | null;
  readonly removedAt: string | null;
}

/** The owner's listing: every member, invited, active, locked and removed. */
export async function listMembers(ctx: ServiceContext, owner: CustomerSession): Promise<MemberView[]> {
  const rows = await repo.listMembers(ctx.db, owner.meterId);
  return rows.map((r) => ({
    member: r.member,
    login: memberLoginName(owner.username, r.member),
    role: r.role,
    status: r.status,
    email: r.email,
    invitedAt: r.invitedAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    joinedAt: r.joinedAt?.toISOString() ?? null,
    removedAt: r.removedAt?.toISOString() ?? null,
  }));
}

/**
 * `member_invite`: the owner's MAC'd command names the member, the role and the hash of a code the
 * owner's client drew. With `inviteCode` (the code itself, outside the MAC) the server mails it to
 * the address the command names; without it the owner hands the code over and the server never sees it.
 */
export function inviteMember(ctx: ServiceContext, owner: CustomerSession, input: CommandInput, remember: Remember, inviteCode?: string): Promise<Answer> {
  const p = input.params;
  return runMeterCommand(ctx, owner.meterId, input, remember, {
    args() {
      if (inviteCode === undefined) return {};
      if (!p.email) fail('invalid_request', 'an invitation code is mailed only to an address the command names (params.email)');
      if (createHash('sha256').update(inviteCode, 'utf8').digest('hex') !== p.codeHash)
        fail('invalid_request', 'the invitation code does not match params.codeHash');
      return {};
    },
    onOk: async ({ tx }, r) => {
      const x = r.response.result;
      const login = memberLoginName(owner.username, x.member ?? '');
      if (inviteCode !== undefined && x.email) {
        await mailRepo.enqueueMail(
          tx,
          invitationMail({ to: x.email, owner: owner.username, login, role: x.role ?? '', code: inviteCode, expiresAt: x.expiresAt ?? '' }),
        );
      }
      return { member: { member: x.member, login, role: x.role, expiresAt: x.expiresAt, mailed: inviteCode !== undefined && Boolean(x.email) } };
    },
  });
}

/** `member_remove`: the slot leaves the package; the member's sessions end with it, here and now. */
export function removeMember(ctx: ServiceContext, owner: CustomerSession, input: CommandInput, remember: Remember): Promise<Answer> {
  return runMeterCommand(ctx, owner.meterId, input, remember, {
    onOk: async ({ tx }, r) => {
      await endSessions(tx, owner.customerId, r.response.result.member ?? '');
      return { removed: r.response.result.member };
    },
  });
}

/** The account an invitation names: its owner must be a registered customer. */
async function invitingAccount(q: Q, login: string): Promise<{ customerId: bigint; meterId: string; member: string }> {
  const named = parseMemberLogin(login);
  const owner = named ? await repo.findCustomer(q, named.owner) : null;
  if (!named || !owner?.registeredAt) fail('invitation_unknown', 'no open invitation for this name');
  return { customerId: owner.customerId, meterId: owner.meterId, member: named.member };
}

/** Accepting an invitation, step 1: as a registration begins, on the account's meter, into the member's slot. */
export async function beginAcceptance(ctx: ServiceContext, login: string, clientNonce: string): Promise<Begun> {
  const account = await invitingAccount(ctx.db, login);
  return onMeter(ctx, 'registerBegin', account.meterId, {
    args: () => ({ clientNonce, member: account.member, logExtra: { username: login } }),
    answer: (_scope, begun, meter) => ({ begun, meter }),
  });
}

/** Step 2: the sealed envelope (MAC key, password, the invitation's code) goes to the module; a session opens for the member. */
export async function completeAcceptance(
  ctx: ServiceContext,
  login: string,
  meterId: string,
  clientPublicKey: string,
  sealedSecrets: string,
): Promise<Completed> {
  const account = await invitingAccount(ctx.db, login);
  if (account.meterId !== meterId) fail('not_found', 'begin accepting the invitation first');
  return onMeter(ctx, 'registerComplete', meterId, {
    args: () => ({ clientPublicKey, sealedSecrets, member: account.member }),
    answer: async ({ tx }, result) => ({ result, session: await openSession(tx, account.customerId, account.member) }),
  });
}
