import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OFFICER_CACHE_MAX, OFFICER_CACHE_TTL_MS } from '../constants.js';
import { fail } from '../errors.js';
import { sessionOf, verifyOfficerPassword, type CustomerSession } from '../services/index.js';
import { repo, type Db } from '../store/index.js';

export type { CustomerSession } from '../services/index.js';

export async function requireCustomer(db: Db, request: FastifyRequest): Promise<CustomerSession> {
  const header = request.headers.authorization ?? '';
  const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header);
  if (!m) fail('unauthorized', 'send Authorization: Bearer <session token> (log in first)');
  return sessionOf(db, m[1]!);
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
  const key = createHash('sha256')
    .update(request.headers.authorization ?? '')
    .digest('hex');
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
