import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OFFICER_CACHE_MAX, OFFICER_CACHE_TTL_MS, OFFICER_LOGIN_RATE_BURST, OFFICER_LOGIN_RATE_PER_SEC } from '../constants.js';
import { fail } from '../errors.js';
import { looksLikeApiKey, memberHasScope, memberMayRun, scopeAllows, scopeOfOp, type Scope } from '../protocol/index.js';
import { apiKeySessionOf, sessionOf, type CustomerSession } from '../services/index.js';
import { repo, type Db } from '../store/index.js';
import { hasControlCharacter, officerPasswords, OfficerLockout } from './officer-login.js';
import { RateLimiter } from './rate-limit.js';
import { ACCOUNT_LOGIN_PATTERN } from './schemas.js';

export type { CustomerSession } from '../services/index.js';

/**
 * The customer a request speaks for, and what it may do: `Authorization: Bearer <session token>`
 * (every scope), or `Authorization: Bearer vm_…`, an API key (its own scopes, never `manage`). A
 * request without the scope it needs is refused with `api_key_scope`.
 */
export async function requireCustomer(db: Db, request: FastifyRequest, need: Scope): Promise<CustomerSession> {
  const caller = await authenticateCustomer(db, request);
  requireScope(caller, need);
  return caller;
}

/**
 * Who the caller is, scopes unchecked: for a signed meter command, whose scope refusal must still
 * reach the module so that its challenge is spent. Everything else uses `requireCustomer`.
 */
export async function authenticateCustomer(db: Db, request: FastifyRequest): Promise<CustomerSession> {
  const value = /^Bearer (\S{1,200})$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
  if (looksLikeApiKey(value)) return apiKeySessionOf(db, value);
  // A session token is 43 characters; anything else that starts like a key is a key gone wrong.
  if (value.startsWith('vm_') && value.length !== 43) fail('api_key_invalid', 'the API key is malformed');
  return sessionOf(db, bearerToken(request));
}

/** `api_key_scope` (with the scope needed) when an API key does not hold `need`; a session holds every scope. */
export function requireScope(caller: CustomerSession, need: Scope): void {
  const m = caller.member;
  if (m && !memberHasScope(m.role, need)) fail('member_role', `a ${m.role} may not do this: it is the account owner's`, { role: m.role });
  if (!scopeAllows(caller.apiKey?.scopes ?? null, need)) {
    const why = need === 'manage' ? 'only a session may do this (no API key holds the manage scope)' : `the API key lacks the ${need} scope`;
    fail('api_key_scope', why, { scope: need });
  }
}

/**
 * May this caller run this meter command? A member, as its role says (its own password change
 * included: that is `manage` for a key, not for a member); anyone else, by the op's scope.
 */
export function requireOpAllowed(caller: CustomerSession, op: string): void {
  const m = caller.member;
  if (m) {
    if (!memberMayRun(m.role, op)) fail('member_role', `a ${m.role} may not ${op}`, { role: m.role });
    return;
  }
  requireScope(caller, scopeOfOp(op));
}

/** The bearer token of a request, well-formed (no control character can reach a lookup), or `unauthorized`. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  const m = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header);
  if (!m) fail('unauthorized', 'send Authorization: Bearer <session token> (log in first) or Bearer <API key>');
  return m[1]!;
}

const USERNAME = new RegExp(ACCOUNT_LOGIN_PATTERN);

/** A customer's login name, or a member's (`owner+member`); a malformed one (a control character, say) is answered as an unknown user. */
export function loginName(user: string): string {
  if (!USERNAME.test(user)) fail('invalid_credentials', 'unknown user, or registration not completed');
  return user;
}

/**
 * Operators authenticate with HTTP Basic on every call (the CLI is one-shot). Operations (modules,
 * the log, payments, mail, metrics, billing, funding) take an operator or a security officer:
 * customer support sees customers, not the machinery (least privilege for the newest role).
 */
export async function requireOfficer(db: Db, request: FastifyRequest): Promise<string> {
  const officer = await authenticateOfficer(db, request);
  if (officer.role === 'support') fail('forbidden', 'customer support may not do this: it is an operator’s or a security officer’s');
  return officer.username;
}

/** Reading a customer's account (look-up, items, history, approvals): any officer, customer support included. */
export async function requireAnyOfficer(db: Db, request: FastifyRequest): Promise<string> {
  return (await authenticateOfficer(db, request)).username;
}

/** Dual-control actions need a security officer, not any operator. */
export async function requireSecurityOfficer(db: Db, request: FastifyRequest): Promise<string> {
  const officer = await authenticateOfficer(db, request);
  if (officer.role !== 'security_officer') fail('forbidden', 'only a security officer may do this');
  return officer.username;
}

/** Customer care (unlocking, asking for a care act): a support agent or a security officer. */
export async function requireCareOfficer(db: Db, request: FastifyRequest): Promise<string> {
  const officer = await authenticateOfficer(db, request);
  if (officer.role !== 'security_officer' && officer.role !== 'support') fail('forbidden', 'only customer support or a security officer may do this');
  return officer.username;
}

const officerLoginLimiter = new RateLimiter(OFFICER_LOGIN_RATE_PER_SEC, OFFICER_LOGIN_RATE_BURST);
const officerLockout = new OfficerLockout();

// scrypt makes a password check cost ~50 ms: remember good credentials briefly (by hash, bounded).
const verifiedOfficers = new Map<string, { officer: repo.OfficerRow; untilMs: number }>();

/** A removed officer's logins end here at once (on other API servers within OFFICER_CACHE_TTL_MS). */
export function forgetOfficer(user: string): void {
  for (const [k, v] of verifiedOfficers) if (v.officer.username === user) verifiedOfficers.delete(k);
}

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
  // Each check below costs a scrypt: bounded per client address.
  officerLoginLimiter.take(request.ip);
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, Math.max(colon, 0));
  const password = decoded.slice(colon + 1);
  if (colon <= 0 || hasControlCharacter(decoded)) fail('invalid_credentials', 'the officer user name or password is wrong');
  officerLockout.assertOpen(user);
  const officer = await repo.findActiveOfficer(db, user);
  // An unknown (or removed) name costs the same hash work as a wrong password.
  const ok = await officerPasswords.verify(password, officer?.passwordHash ?? (await officerPasswords.dummyHash()));
  if (!officer || !ok) {
    officerLockout.failed(user);
    fail('invalid_credentials', 'the officer user name or password is wrong');
  }
  officerLockout.succeeded(user);
  return officer;
}
