import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OFFICER_CACHE_MAX, OFFICER_CACHE_TTL_MS, SESSION_CACHE_MAX, SESSION_CACHE_TTL_MS, SESSION_TTL_MS } from '../constants.js';
import { fail } from '../errors.js';
import { repo, type Db, type Tx } from '../store/index.js';
import { verifyOfficerPassword } from './passwords.js';

export interface CustomerSession {
  readonly customerId: bigint;
  readonly username: string;
  readonly meterId: string;
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A new bearer token; only its hash is stored. */
export async function openSession(tx: Tx, customerId: bigint): Promise<{ token: string; expiresAt: string }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await repo.insertSession(tx, tokenHash(token), customerId, expiresAt);
  return { token, expiresAt: expiresAt.toISOString() };
}

// Sessions looked up in the last moment: a query per command is the biggest cost left on the hot
// path. Bounded and short-lived; ending a customer's sessions here drops them at once.
const recentSessions = new Map<string, { session: CustomerSession; untilMs: number }>();

export async function requireCustomer(db: Db, request: FastifyRequest): Promise<CustomerSession> {
  const header = request.headers.authorization ?? '';
  const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header);
  if (!m) fail('unauthorized', 'send Authorization: Bearer <session token> (log in first)');
  const hash = tokenHash(m[1]!);
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
export async function endSessions(tx: Tx, customerId: bigint): Promise<void> {
  for (const [k, v] of recentSessions) if (v.session.customerId === customerId) recentSessions.delete(k);
  await repo.deleteSessions(tx, customerId);
}

/** Operators authenticate with HTTP Basic on every call (the CLI is one-shot). */
export async function requireOfficer(db: Db, request: FastifyRequest): Promise<string> {
  return (await authenticateOfficer(db, request)).username;
}

/** Dual-control actions need a security officer, not any operator. */
export async function requireSecurityOfficer(db: Db, request: FastifyRequest): Promise<string> {
  const officer = await authenticateOfficer(db, request);
  if (officer.role !== 'security_officer') fail('forbidden', 'only a security officer may do this');
  return officer.username;
}

// scrypt makes a password check cost ~50 ms: remember good credentials briefly (by hash, bounded).
const verifiedOfficers = new Map<string, { officer: repo.OfficerRow; untilMs: number }>();

async function authenticateOfficer(db: Db, request: FastifyRequest): Promise<repo.OfficerRow> {
  const key = createHash('sha256').update(request.headers.authorization ?? '').digest('hex');
  const hit = verifiedOfficers.get(key);
  if (hit && hit.untilMs > Date.now()) return hit.officer;
  const officer = await checkOfficer(db, request);
  if (verifiedOfficers.size >= OFFICER_CACHE_MAX) verifiedOfficers.delete(verifiedOfficers.keys().next().value!);
  verifiedOfficers.set(key, { officer, untilMs: Date.now() + OFFICER_CACHE_TTL_MS });
  return officer;
}

async function checkOfficer(db: Db, request: FastifyRequest): Promise<repo.OfficerRow> {
  const header = request.headers.authorization ?? '';
  const m = /^Basic ([A-Za-z0-9+/=]{1,700})$/.exec(header);
  if (!m) fail('unauthorized', 'operator commands need officer credentials (HTTP Basic)');
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const officer = colon > 0 ? await repo.findOfficer(db, user) : null;
  if (!officer || !(await verifyOfficerPassword(password, officer.passwordHash))) fail('invalid_credentials', 'the officer user name or password is wrong');
  return officer;
}
