import { createHash } from 'node:crypto';
import { fail } from '../errors.js';
import { memberLoginName } from '../protocol/index.js';
import { mailRepo, repo, type MemberRow } from '../store/index.js';
import type { Answer, Remember } from './answer.js';
import type { ServiceContext } from './context.js';
import { invitationMail } from './mail/invitation-mail.js';
import { runMeterCommand, type CommandInput } from './meter-commands.js';
import { endSessions, type CustomerSession } from './sessions.js';

// Several users per account (issue 14 item 1). The module keeps each member's credentials in the
// package and refuses what its role does not allow (module/member-desk.ts); here are the owner's
// MAC'd invitation and removal, the invitation mail, and the listing. A login name resolves in
// login-account.ts; an invitation is accepted as a registration (registration.ts).

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
      const mailed = inviteCode !== undefined && Boolean(x.email);
      if (mailed) {
        const mail = { to: x.email!, owner: owner.username, login, role: x.role ?? '', code: inviteCode!, expiresAt: x.expiresAt ?? '' };
        await mailRepo.enqueueMail(tx, invitationMail(mail));
      }
      return { member: { member: x.member, login, role: x.role, expiresAt: x.expiresAt, mailed } };
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
