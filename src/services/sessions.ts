import { createHash, randomBytes } from 'node:crypto';
import { SESSION_CACHE_MAX, SESSION_CACHE_TTL_MS, SESSION_TTL_MS } from '../constants.js';
import { fail } from '../errors.js';
import { isMemberRole, memberLoginName, type ApiKeyScope, type MemberRole } from '../protocol/index.js';
import { repo, type Db, type Q } from '../store/index.js';

// Customer sessions: a bearer token whose hash is stored. Not ledger state: a recovered
// installation asks every customer to log in again.

export interface CustomerSession {
  readonly customerId: bigint;
  readonly username: string;
  readonly meterId: string;
  /** Set when the caller authenticated with an API key rather than a session: its id and scopes (see api-key-auth.ts). */
  readonly apiKey?: { readonly keyId: string; readonly scopes: readonly ApiKeyScope[] };
  /** Set for a member of the account (issue 14 item 1): its name and role. `username` is then its login name. */
  readonly member?: { readonly name: string; readonly role: MemberRole };
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A new bearer token; only its hash is stored. */
export async function openSession(q: Q, customerId: bigint, member: string | null = null): Promise<{ token: string; expiresAt: string }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await repo.insertSession(q, tokenHash(token), customerId, expiresAt, member);
  return { token, expiresAt: expiresAt.toISOString() };
}

// Sessions looked up in the last moment: a query per command is the biggest cost left on the hot
// path. Bounded and short-lived; ending a customer's sessions here drops them at once.
const recentSessions = new Map<string, { session: CustomerSession; untilMs: number }>();

/** The session a bearer token names, or `unauthorized`. */
export async function sessionOf(db: Db, token: string): Promise<CustomerSession> {
  const hash = tokenHash(token);
  const key = hash.toString('hex');
  const hit = recentSessions.get(key);
  if (hit && hit.untilMs > Date.now()) return hit.session;
  const s = await repo.findSession(db, hash);
  if (!s) fail('unauthorized', 'the session is unknown or has expired; log in again');
  const member = s.member !== null && isMemberRole(s.role) ? { member: { name: s.member, role: s.role } } : {};
  const username = s.member !== null ? memberLoginName(s.username, s.member) : s.username;
  const session: CustomerSession = { customerId: s.customerId, username, meterId: s.meterId, ...member };
  if (recentSessions.size >= SESSION_CACHE_MAX) recentSessions.delete(recentSessions.keys().next().value!);
  recentSessions.set(key, { session, untilMs: Math.min(Date.now() + SESSION_CACHE_TTL_MS, s.expiresAt.getTime()) });
  return session;
}

/**
 * End sessions in the database, and in this process now: every one of the account (`member`
 * undefined), the owner's only (null: a failed login of the owner), or one member's.
 */
export async function endSessions(q: Q, customerId: bigint, member?: string | null): Promise<void> {
  const ends = (s: CustomerSession) => s.customerId === customerId && (member === undefined || (s.member?.name ?? null) === member);
  for (const [k, v] of recentSessions) if (ends(v.session)) recentSessions.delete(k);
  await repo.deleteSessions(q, customerId, member);
}

/** Logout: the session of this token ends on the server, in the database and in this process now. */
export async function endSession(q: Q, token: string): Promise<void> {
  const hash = tokenHash(token);
  recentSessions.delete(hash.toString('hex'));
  await repo.deleteSession(q, hash);
}
