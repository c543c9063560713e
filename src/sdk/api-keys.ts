import type { ApiKeyScope } from '../protocol/index.js';
import { callApi } from './http.js';
import type { MeterClient } from './meter-client.js';

// API keys for integrators over HTTP. The client draws the key; the server gets only its SHA-256,
// through the MAC'd `api_key` command (MeterClient.createApiKey), and never answers a key back.
// A key stands in for the session (Authorization: Bearer vm_…) within its scopes; a meter command
// still needs the client MAC key from the profile, so a key alone moves no money.

export type { ApiKeyScope } from '../protocol/index.js';
export { drawApiKey, type ApiKeyRequest, type CreatedApiKey } from './api-key-draw.js';

export interface ApiKeyInfo {
  keyId: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listApiKeys(client: MeterClient): Promise<ApiKeyInfo[]> {
  const r = await callApi<{ apiKeys: ApiKeyInfo[] }>(client.server, 'GET', '/v1/api-keys', undefined, { headers: client.sessionHeaders() });
  return r.apiKeys;
}

/** With a session, any of the customer's keys; with a key, only that key. */
export function revokeApiKey(client: MeterClient, keyId: string): Promise<ApiKeyInfo> {
  return callApi(client.server, 'DELETE', `/v1/api-keys/${encodeURIComponent(keyId)}`, undefined, { headers: client.sessionHeaders() });
}
