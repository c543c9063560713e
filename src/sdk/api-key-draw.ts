import { API_KEY_SECRET_BYTES, formatApiKey, parseScopes, type ApiKeyScope } from '../protocol/index.js';
import type { ClientCrypto } from './crypto.js';

// The client draws an API key itself: the server gets only the SHA-256 of its text (in the MAC'd
// `api_key` command), so the key exists only here, and is shown once.

/** A new key: `apiKey` is its text, shown once; nothing can show it again. */
export interface CreatedApiKey {
  readonly apiKey: string;
  readonly keyId: string;
  readonly scopes: ApiKeyScope[];
  readonly expiresAt: string | null;
}

export interface ApiKeyRequest {
  readonly scopes: readonly ApiKeyScope[];
  /** Default: no expiry (until revoked). */
  readonly expiresInDays?: number;
}

/** A fresh key and the `api_key` command's parameters (the hash, never the key). */
export async function drawApiKey(crypto: ClientCrypto, req: ApiKeyRequest, nowMs: number): Promise<{ apiKey: string; params: Record<string, string> }> {
  const scopes = parseScopes(req.scopes.join(','));
  if (!scopes) throw new RangeError('scopes are balance, print, refund or fund, each at most once');
  const id = Buffer.from(await crypto.randomBytes(16));
  id[6] = (id[6]! & 0x0f) | 0x40;
  id[8] = (id[8]! & 0x3f) | 0x80;
  const h = id.toString('hex');
  const keyId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  const apiKey = formatApiKey(keyId, await crypto.randomBytes(API_KEY_SECRET_BYTES));
  const keyHash = Buffer.from(await crypto.sha256(Buffer.from(apiKey, 'utf8'))).toString('hex');
  const days = req.expiresInDays;
  if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new RangeError('expiresInDays is a positive whole number');
  const expiresAt = days === undefined ? '' : new Date(nowMs + days * 86_400_000).toISOString();
  return { apiKey, params: { keyId, keyHash, scopes: scopes.join(','), expiresAt } };
}
