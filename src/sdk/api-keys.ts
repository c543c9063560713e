import { API_KEY_SECRET_BYTES, formatApiKey, parseScopes, type ApiKeyScope } from '../protocol/index.js';
import type { ClientCrypto } from './crypto.js';
import { callApi } from './http.js';
import type { MeterClient } from './meter-client.js';

// API keys for integrators over HTTP. The client draws the key; the server gets only its SHA-256,
// through the MAC'd `api_key` command (MeterClient.createApiKey), and never answers a key back.
// A key stands in for the session (Authorization: Bearer vm_…) within its scopes; a meter command
// still needs the client MAC key from the profile, so a key alone moves no money.

export type { ApiKeyScope } from '../protocol/index.js';

export interface ApiKeyInfo {
  keyId: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

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

export async function listApiKeys(client: MeterClient): Promise<ApiKeyInfo[]> {
  const r = await callApi<{ apiKeys: ApiKeyInfo[] }>(client.server, 'GET', '/v1/api-keys', undefined, { headers: client.sessionHeaders() });
  return r.apiKeys;
}

/** With a session, any of the customer's keys; with a key, only that key. */
export function revokeApiKey(client: MeterClient, keyId: string): Promise<ApiKeyInfo> {
  return callApi(client.server, 'DELETE', `/v1/api-keys/${encodeURIComponent(keyId)}`, undefined, { headers: client.sessionHeaders() });
}
