import { timingSafeEqual } from 'node:crypto';
import { API_KEY_CACHE_MAX, API_KEY_CACHE_TTL_MS, API_KEY_LAST_USED_RESOLUTION_MS } from '../constants.js';
import { fail } from '../errors.js';
import { apiKeyIdOf, parseScopes, type ApiKeyScope } from '../protocol/index.js';
import { repo, type Db } from '../store/index.js';
import { tokenHash, type CustomerSession } from './sessions.js';

// An API key stands in for a session (Authorization: Bearer vm_…): it resolves to the same
// CustomerSession, with the key's id and scopes, which the routes check. The key's text is hashed
// as a session token is; only the hash is stored, and compared in constant time.

const invalid = (): never => fail('api_key_invalid', 'the API key is unknown, revoked or expired');

// Keys looked up in the last moment, by the hash of their text: a query per command is the biggest
// cost of the hot path, as for sessions. A revocation on this server drops its key at once.
const recentKeys = new Map<string, { session: CustomerSession; untilMs: number }>();

/** The customer an API key authenticates, with its scopes; `api_key_invalid` for any key that does not. */
export async function apiKeySessionOf(db: Db, keyText: string): Promise<CustomerSession> {
  const keyId = apiKeyIdOf(keyText) ?? invalid();
  const hash = tokenHash(keyText);
  const cacheKey = hash.toString('hex');
  const hit = recentKeys.get(cacheKey);
  if (hit && hit.untilMs > Date.now()) return hit.session;
  const row = await repo.findApiKeyForAuth(db, keyId);
  if (!row || !timingSafeEqual(row.keySha256, hash)) return invalid();
  if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return invalid();
  // The table's CHECK keeps scopes to known names; parsing again keeps the type honest.
  const scopes: readonly ApiKeyScope[] = parseScopes(row.scopes.join(',')) ?? invalid();
  const session: CustomerSession = { customerId: row.customerId, username: row.username, meterId: row.meterId, apiKey: { keyId, scopes } };
  await repo.touchApiKey(db, keyId, API_KEY_LAST_USED_RESOLUTION_MS);
  if (recentKeys.size >= API_KEY_CACHE_MAX) recentKeys.delete(recentKeys.keys().next().value!);
  recentKeys.set(cacheKey, { session, untilMs: Math.min(Date.now() + API_KEY_CACHE_TTL_MS, row.expiresAt?.getTime() ?? Infinity) });
  return session;
}

/** A revoked key stops working on this server now (other servers: within API_KEY_CACHE_TTL_MS). */
export function forgetApiKey(keyId: string): void {
  for (const [k, v] of recentKeys) if (v.session.apiKey?.keyId === keyId) recentKeys.delete(k);
}
