import { createHash, randomBytes } from 'node:crypto';
import { SESSION_CACHE_MAX, SESSION_CACHE_TTL_MS, SESSION_TTL_MS } from '../constants.js';
import { fail } from '../errors.js';
import type { ApiKeyScope } from '../protocol/index.js';
import { repo, type Db, type Q } from '../store/index.js';

// Customer sessions: a bearer token whose hash is stored. Not ledger state: a recovered
// installation asks every customer to log in again.

export interface CustomerSession {
  readonly customerId: bigint;
  readonly username: string;
  readonly meterId: string;
  /** Set when the caller authenticated with an API key rather than a session: its id and scopes (see api-key-auth.ts). */
  readonly apiKey?: { readonly keyId: string; readonly scopes: readonly ApiKeyScope[] };
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A new bearer token; only its hash is stored. */
export async function openSession(q: Q, customerId: bigint): Promise<{ token: string; expiresAt: string }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await repo.insertSession(q, tokenHash(token), customerId, expiresAt);
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
  const session = { customerId: s.customerId, username: s.username, meterId: s.meterId };
  if (recentSessions.size >= SESSION_CACHE_MAX) recentSessions.delete(recentSessions.keys().next().value!);
  recentSessions.set(key, { session, untilMs: Math.min(Date.now() + SESSION_CACHE_TTL_MS, s.expiresAt.getTime()) });
  return session;
}

/** A failed login ends every session of the customer: in the database, and in this process now. */
export async function endSessions(q: Q, customerId: bigint): Promise<void> {
  for (const [k, v] of recentSessions) if (v.session.customerId === customerId) recentSessions.delete(k);
  await repo.deleteSessions(q, customerId);
}

/** Logout: the session of this token ends on the server, in the database and in this process now. */
export async function endSession(q: Q, token: string): Promise<void> {
  const hash = tokenHash(token);
  recentSessions.delete(hash.toString('hex'));
  await repo.deleteSession(q, hash);
}
