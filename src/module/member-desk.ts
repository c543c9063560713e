import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../crypto/index.js';
import { fail } from '../errors.js';
import {
  activeMember,
  foldMember,
  memberView,
  openInvitation,
  withMember,
  type Member,
  type MeterPackage,
  type PasswordVerifier,
  type PendingRegistration,
} from '../meter/index.js';
import type { AccountRole, RegistrationSecrets } from '../protocol/index.js';

// The module's side of several users per account (see meter/members.ts): who a command speaks for,
// and a member's acceptance of an invitation, which is a registration into the member's slot.

export const OWNER = 'owner';
export type Fold = (view: MeterPackage) => MeterPackage;

/** Whose credentials a command is checked with: the package as they see it, and how it folds back. */
export interface Principal {
  readonly view: MeterPackage;
  readonly role: AccountRole;
  readonly fold: Fold;
}

/** The owner (no member named), or an accepted member; `member_unknown` otherwise, before anything is checked or spent. */
export function principalOf(pkg: MeterPackage, member: string | undefined): Principal {
  if (member === undefined) return { view: pkg, role: OWNER, fold: (v) => v };
  const m = activeMember(pkg, member);
  return { view: memberView(pkg, m), role: m.role, fold: (v) => foldMember(pkg, m.name, v) };
}

/** Only an account in service takes members in. */
function requireAccountOpen(pkg: MeterPackage): void {
  if (pkg.state === 'registered' || pkg.state === 'withdrawn' || pkg.state === 'revoked') {
    fail('meter_not_operational', `the account's meter is ${pkg.state}: it takes no members`);
  }
}

/**
 * An acceptance begun: the module's ephemeral key kept in the slot. Unlike a registration, a new
 * begin replaces an older one: only the code completes it, so a begin holds nothing worth keeping
 * from another client, and a member whose first try failed (a mistyped code) can try again at once.
 */
export function beginAcceptance(pkg: MeterPackage, member: string, pending: PendingRegistration, nowMs: number): MeterPackage {
  requireAccountOpen(pkg);
  return withMember(pkg, { ...openInvitation(pkg, member, nowMs), pending });
}

/** The invitation being accepted and its begun acceptance, or why it cannot complete. */
export function acceptanceOf(
  pkg: MeterPackage,
  member: string,
  nowMs: number,
): { slot: Member & { invitation: NonNullable<Member['invitation']> }; pending: PendingRegistration } {
  requireAccountOpen(pkg);
  const slot = openInvitation(pkg, member, nowMs);
  if (!slot.pending) fail('meter_not_operational', 'no acceptance of this invitation is in progress: begin it first');
  if (nowMs > slot.pending.expiresAtMs) fail('registration_expired');
  return { slot, pending: slot.pending };
}

/**
 * The member's slot with its credentials, once the sealed envelope holds the invitation's code for
 * this member. The code's hash is all the package kept, so neither the server nor the database can
 * accept an invitation whose code they never saw.
 */
export function acceptedMember(
  pkg: MeterPackage,
  slot: Member & { invitation: NonNullable<Member['invitation']> },
  secrets: RegistrationSecrets,
  verifier: PasswordVerifier,
): MeterPackage {
  const inv = secrets.invitation;
  const codeHash = inv ? createHash('sha256').update(inv.code, 'utf8').digest() : Buffer.alloc(32);
  if (!inv || inv.member !== slot.name || !constantTimeEqual(codeHash, slot.invitation.codeHash)) fail('invitation_code_wrong');
  return withMember(pkg, {
    ...slot,
    invitation: null,
    pending: null,
    clientMacKey: secrets.macKey,
    passwordVerifier: verifier,
    passwordHistory: [verifier],
    failedLogins: 0,
    locked: false,
    lastChallenge: null,
    loginChallenge: null,
  });
}
