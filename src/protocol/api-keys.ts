import { MAX_API_KEY_DAYS } from '../constants.js';
import { UUID } from './ids.js';

// API keys for integrators (issue 14 item 1), as pure data: the key's text, its scopes, and which
// scope each request needs. Shared by the SDK (which draws a key), the module (which checks the
// `api_key` command's parameters) and the server (which resolves a key and checks its scope).
//
// A key is `vm_<key id, 32 hex>_<secret, 43 base64url>`: 79 characters, so it can never be taken
// for a session token (43 base64url characters) in the same Authorization header. The server keeps
// only the SHA-256 of the whole text; the id in clear lets it find the row without a scan.

/** What a key may be granted. `manage` (password, withdrawal, profile, bank accounts, keys) is never one of them. */
export const API_KEY_SCOPES = ['balance', 'print', 'refund', 'fund'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
/** What a request needs: a key scope, or `manage`, which only a session holds. */
export type Scope = ApiKeyScope | 'manage';

export const API_KEY_PREFIX = 'vm_';
export const API_KEY_SECRET_BYTES = 32;
const KEY_TEXT = /^vm_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const HASH_HEX = /^[0-9a-f]{64}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

const dashed = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

/** The key's text from its id (a UUID) and the secret the client drew. */
export function formatApiKey(keyId: string, secret: Uint8Array): string {
  if (!UUID.test(keyId)) throw new RangeError('an API key id is a lowercase UUID');
  if (secret.length !== API_KEY_SECRET_BYTES) throw new RangeError(`an API key secret is ${API_KEY_SECRET_BYTES} bytes`);
  return `${API_KEY_PREFIX}${keyId.replace(/-/g, '')}_${Buffer.from(secret).toString('base64url')}`;
}

/** True for text shaped like a key (not proof that it is one): the server then looks it up. */
export function looksLikeApiKey(text: string): boolean {
  return KEY_TEXT.test(text);
}

/** The key id (a UUID) a key's text names, or null when the text is not a key. */
export function apiKeyIdOf(text: string): string | null {
  const m = KEY_TEXT.exec(text);
  return m ? dashed(m[1]!) : null;
}

/** A comma list of scopes, in the canonical order of API_KEY_SCOPES; null when empty, unknown or repeated. */
export function parseScopes(list: string): ApiKeyScope[] | null {
  const names = list.split(',').map((s) => s.trim());
  if (names.some((n) => !(API_KEY_SCOPES as readonly string[]).includes(n))) return null;
  if (new Set(names).size !== names.length) return null;
  return API_KEY_SCOPES.filter((s) => names.includes(s));
}

/** The scope a meter command needs; an op not listed (withdraw, password, api_key) needs `manage`. */
export function scopeOfOp(op: string): Scope {
  switch (op) {
    case 'balance':
      return 'balance';
    case 'print':
      return 'print';
    case 'refund':
      return 'refund';
    case 'fund_request':
    case 'test_fund':
      return 'fund';
    default:
      return 'manage';
  }
}

/** True when a caller holding `held` (null: a session, which holds every scope) may make a request that needs `need`. */
export function scopeAllows(held: readonly ApiKeyScope[] | null, need: Scope): boolean {
  if (held === null) return true;
  return need !== 'manage' && held.includes(need);
}

export interface ApiKeyParams {
  readonly keyId: string;
  readonly keyHashHex: string;
  readonly scopes: ApiKeyScope[];
  /** ISO 8601 instant, or null for a key that lives until it is revoked. */
  readonly expiresAt: string | null;
}

/**
 * The `api_key` command's parameters, checked: a UUID, a SHA-256 in hex, known scopes, and an
 * expiry after `nowMs` and within MAX_API_KEY_DAYS. A string says what is wrong.
 */
export function checkApiKeyParams(p: Readonly<Record<string, string | undefined>>, nowMs: number): ApiKeyParams | string {
  const keyId = p.keyId ?? '';
  const keyHashHex = p.keyHash ?? '';
  if (!UUID.test(keyId)) return 'keyId is a lowercase UUID';
  if (!HASH_HEX.test(keyHashHex)) return 'keyHash is a SHA-256 in lowercase hex';
  const scopes = parseScopes(p.scopes ?? '');
  if (!scopes) return `scopes is a comma list of ${API_KEY_SCOPES.join(', ')}, each at most once`;
  if (p.expiresAt === undefined || p.expiresAt === '') return { keyId, keyHashHex, scopes, expiresAt: null };
  const at = ISO_INSTANT.test(p.expiresAt) ? Date.parse(p.expiresAt) : NaN;
  if (!Number.isFinite(at)) return 'expiresAt is an ISO 8601 instant in UTC';
  if (at <= nowMs || at > nowMs + MAX_API_KEY_DAYS * 86_400_000) return `expiresAt is in the future, at most ${MAX_API_KEY_DAYS} days ahead`;
  return { keyId, keyHashHex, scopes, expiresAt: new Date(at).toISOString() };
}
