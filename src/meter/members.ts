import { MAX_ACCOUNT_MEMBERS } from '../constants.js';
import { fail } from '../errors.js';
import type { InviteParams } from '../protocol/index.js';
import type { Invitation, Member } from './credentials.js';
import type { MeterPackage } from './package.js';

export type { Invitation, Member } from './credentials.js';

// Several users per account (issue 14 item 1). The owner is the package's own credentials; each
// member has a slot of its own in the package: its client MAC key, password verifier, failed logins
// and challenges. So the module checks a member's MAC with the member's key and refuses what the
// role does not allow; the server can neither act as a member nor widen a role.
//
// The engine runs a member's command on a *view*: the package with the member's credentials in the
// owner's place, so every rule (MAC, challenge, registers, login, password change) is the one the
// owner's commands run. `foldMember` puts the credentials back in the slot and the owner's back in place.

export function findMember(p: MeterPackage, name: string): Member | null {
  return p.members.find((m) => m.name === name) ?? null;
}

/** An accepted member, or `member_unknown` (one answer for unknown, invited and removed: no enumeration). */
export function activeMember(p: MeterPackage, name: string): Member {
  const m = findMember(p, name);
  if (!m || m.invitation !== null || !m.clientMacKey) fail('member_unknown', 'no such member of this account, or the invitation was not accepted');
  return m;
}

/**
 * The package as the member sees it: its credentials in the owner's place. The meter's own lock is
 * the owner's (too many of the owner's failed logins), so it does not lock the member out; a
 * member's lock is its own.
 */
export function memberView(p: MeterPackage, m: Member): MeterPackage {
  const state = m.locked ? 'locked' : p.state === 'locked' ? 'operational' : p.state;
  return {
    ...p,
    state,
    clientMacKey: m.clientMacKey,
    passwordVerifier: m.passwordVerifier,
    passwordHistory: m.passwordHistory,
    failedLogins: m.failedLogins,
    lastChallenge: m.lastChallenge,
    loginChallenge: m.loginChallenge,
    pendingRegistration: m.pending,
  };
}

/** The package after a member's op ran on its view: the meter's state from the view, the credentials back in their slots. */
export function foldMember(original: MeterPackage, name: string, view: MeterPackage): MeterPackage {
  const members = original.members.map((m) =>
    m.name !== name
      ? m
      : {
          ...m,
          clientMacKey: view.clientMacKey,
          passwordVerifier: view.passwordVerifier,
          passwordHistory: view.passwordHistory,
          failedLogins: view.failedLogins,
          locked: view.state === 'locked',
          lastChallenge: view.lastChallenge,
          loginChallenge: view.loginChallenge,
          pending: view.pendingRegistration,
        },
  );
  return {
    ...view,
    // A member's op never changes the meter's state: its lock is its own (see memberView).
    state: original.state,
    clientMacKey: original.clientMacKey,
    passwordVerifier: original.passwordVerifier,
    passwordHistory: original.passwordHistory,
    failedLogins: original.failedLogins,
    lastChallenge: original.lastChallenge,
    loginChallenge: original.loginChallenge,
    pendingRegistration: original.pendingRegistration,
    members,
  };
}

/** The owner invites: a new slot with the code's hash. A name in use (removed names are gone) is refused. */
export function inviteMember(p: MeterPackage, invite: InviteParams): MeterPackage {
  if (findMember(p, invite.member)) fail('member_exists', `${invite.member} is already a member of this account (remove it first)`);
  if (p.members.length >= MAX_ACCOUNT_MEMBERS) fail('too_many_members', `an account holds at most ${MAX_ACCOUNT_MEMBERS} members`);
  const member: Member = {
    name: invite.member,
    role: invite.role,
    invitation: { codeHash: Buffer.from(invite.codeHashHex, 'hex'), expiresAtMs: Date.parse(invite.expiresAt) },
    pending: null,
    clientMacKey: null,
    passwordVerifier: null,
    passwordHistory: [],
    failedLogins: 0,
    locked: false,
    lastChallenge: null,
    loginChallenge: null,
  };
  return { ...p, members: [...p.members, member] };
}

/** The owner removes a member (invited or accepted): its keys leave the package, so nothing it signs is taken again. */
export function removeMember(p: MeterPackage, name: string): MeterPackage {
  if (!findMember(p, name)) fail('member_unknown', `${name} is not a member of this account`);
  return { ...p, members: p.members.filter((m) => m.name !== name) };
}

/** An invitation that can still be accepted, or why not. */
export function openInvitation(p: MeterPackage, name: string, nowMs: number): Member & { invitation: Invitation } {
  const m = findMember(p, name);
  if (!m || m.invitation === null) fail('invitation_unknown', 'no open invitation for this name');
  if (nowMs > m.invitation.expiresAtMs) fail('invitation_expired', 'the invitation has expired; ask the account owner to invite you again');
  return m as Member & { invitation: Invitation };
}

/** Replace one member's slot. */
export function withMember(p: MeterPackage, next: Member): MeterPackage {
  return { ...p, members: p.members.map((m) => (m.name === next.name ? next : m)) };
}
