import { INVITATION_TTL_MS, MAX_EMAIL_LENGTH, MAX_MEMBER_NAME_LENGTH, MAX_USERNAME_LENGTH } from '../constants.js';
import type { Scope } from './api-keys.js';

// Several users per account (issue 14 item 1), as pure data shared by the module (which holds each
// member's credentials in the package and refuses what the role does not allow), the server (which
// resolves a login name and refuses early with a clear code) and the SDK.
//
// The owner is the customer who registered the meter. A member logs in as `<owner>+<member>`: `+`
// is not allowed in a customer's user name, so a member's login name can never be a customer's, and
// it names the account it belongs to.

export const MEMBER_ROLES = ['shipper', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
export type AccountRole = 'owner' | MemberRole;

export const MEMBER_SEPARATOR = '+';
const PART = '[A-Za-z0-9._@-]';
export const MEMBER_NAME_PATTERN = `^${PART}{1,${MAX_MEMBER_NAME_LENGTH}}$`;
const MEMBER_NAME = new RegExp(MEMBER_NAME_PATTERN);
const LOGIN = new RegExp(`^(${PART}{1,${MAX_USERNAME_LENGTH}})\\+(${PART}{1,${MAX_MEMBER_NAME_LENGTH}})$`);
const HASH_HEX = /^[0-9a-f]{64}$/;
// Deliberately loose: the mail server has the last word. One @ between printable ASCII, no spaces.
const EMAIL = /^[\x21-\x3f\x41-\x7e]{1,64}@[\x21-\x3f\x41-\x7e]{1,252}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** The ops a member's role allows. A member never funds, withdraws, manages keys, bank accounts or other members. */
const MEMBER_OPS: Readonly<Record<MemberRole, readonly string[]>> = {
  viewer: ['login', 'balance', 'password'],
  shipper: ['login', 'balance', 'password', 'print', 'refund'],
};

/** What a member's session may do outside the meter commands (the API-key scopes, never `manage`). */
const MEMBER_SCOPES: Readonly<Record<MemberRole, readonly Scope[]>> = {
  viewer: ['balance'],
  shipper: ['balance', 'print', 'refund'],
};

export function isMemberRole(v: unknown): v is MemberRole {
  return typeof v === 'string' && (MEMBER_ROLES as readonly string[]).includes(v);
}

export function isMemberName(v: unknown): v is string {
  return typeof v === 'string' && MEMBER_NAME.test(v);
}

/** True when the role lets a member run this meter command. */
export function memberMayRun(role: MemberRole, op: string): boolean {
  return MEMBER_OPS[role].includes(op);
}

/** True when a member's session may make a request that needs `need`. */
export function memberHasScope(role: MemberRole, need: Scope): boolean {
  return MEMBER_SCOPES[role].includes(need);
}

/** The login name of a member of `owner`'s account. */
export function memberLoginName(owner: string, member: string): string {
  return `${owner}${MEMBER_SEPARATOR}${member}`;
}

/** The owner and member a member's login name names; null for any other text (a customer's own name, say). */
export function parseMemberLogin(login: string): { owner: string; member: string } | null {
  const m = LOGIN.exec(login);
  return m ? { owner: m[1]!, member: m[2]! } : null;
}

export interface InviteParams {
  readonly member: string;
  readonly role: MemberRole;
  /** SHA-256 (hex) of the invitation code the owner's client drew; the code itself never reaches the module. */
  readonly codeHashHex: string;
  readonly email: string | null;
  readonly expiresAt: string;
}

/** The `member_invite` command's parameters checked, or why not (the module's and the server's one rule). */
export function checkInviteParams(p: Readonly<Record<string, string | undefined>>, nowMs: number): InviteParams | string {
  if (!isMemberName(p.member)) return `a member name is 1-${MAX_MEMBER_NAME_LENGTH} of A-Z a-z 0-9 . _ @ -`;
  if (!isMemberRole(p.role)) return `a member's role is one of ${MEMBER_ROLES.join(', ')}`;
  if (!HASH_HEX.test(p.codeHash ?? '')) return 'codeHash is the SHA-256 of the invitation code, 64 lowercase hex';
  const email = p.email ? p.email : null;
  if (email !== null && (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))) return 'email is not an e-mail address';
  const expiresAt = p.expiresAt ?? '';
  const expiresMs = ISO_INSTANT.test(expiresAt) ? Date.parse(expiresAt) : NaN;
  if (!(expiresMs > nowMs && expiresMs <= nowMs + INVITATION_TTL_MS)) return `expiresAt is an ISO instant in the next ${INVITATION_TTL_MS / 3_600_000} hours`;
  return { member: p.member, role: p.role, codeHashHex: p.codeHash!, email, expiresAt };
}
