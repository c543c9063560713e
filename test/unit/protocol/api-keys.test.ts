import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_API_KEY_DAYS } from '../../../src/constants.js';
import { apiKeyResult } from '../../../src/module/api-key-op.js';
import { apiKeyIdOf, checkApiKeyParams, formatApiKey, looksLikeApiKey, parseScopes, scopeAllows, scopeOfOp } from '../../../src/protocol/index.js';
import { drawApiKey, webClientCrypto } from '../../../src/sdk/index.js';

const KEY_ID = '3b2a1c0d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SECRET = new Uint8Array(32).fill(7);
const NOW = Date.UTC(2026, 11, 1, 9);

describe('the API key text', () => {
  it('is vm_, the id without dashes and the base64url secret; its id reads back, and nothing else passes for one', () => {
    const key = formatApiKey(KEY_ID, SECRET);
    expect(key).toMatch(/^vm_3b2a1c0d4e5f4a6b8c7d9e0f1a2b3c4d_[A-Za-z0-9_-]{43}$/);
    expect(key).toHaveLength(79);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(apiKeyIdOf(key)).toBe(KEY_ID);
    // A session token (43 base64url characters) is never a key, even one that starts with vm_.
    expect(looksLikeApiKey(`vm_${'A'.repeat(40)}`)).toBe(false);
    for (const bad of [key.slice(0, -1), `${key}A`, key.replace('vm_', 'vx_'), key.toUpperCase(), `${key.slice(0, 40)}!${key.slice(41)}`, '']) {
      expect(looksLikeApiKey(bad), bad).toBe(false);
      expect(apiKeyIdOf(bad)).toBeNull();
    }
    expect(() => formatApiKey('not-a-uuid', SECRET)).toThrow(RangeError);
    expect(() => formatApiKey(KEY_ID, SECRET.subarray(1))).toThrow(RangeError);
  });

  it('is drawn by the client, which sends only the SHA-256 of its text', async () => {
    const { apiKey, params } = await drawApiKey(webClientCrypto(), { scopes: ['print', 'balance'], expiresInDays: 30 }, NOW);
    expect(looksLikeApiKey(apiKey)).toBe(true);
    expect(apiKeyIdOf(apiKey)).toBe(params.keyId);
    expect(params.keyHash).toBe(createHash('sha256').update(apiKey).digest('hex'));
    expect(params.scopes).toBe('balance,print');
    expect(params.expiresAt).toBe(new Date(NOW + 30 * 86_400_000).toISOString());
    expect(JSON.stringify(params)).not.toContain(apiKey.slice(36));
    const again = await drawApiKey(webClientCrypto(), { scopes: ['print'] }, NOW);
    expect(again.apiKey).not.toBe(apiKey);
    expect(again.params.expiresAt).toBe('');
    await expect(drawApiKey(webClientCrypto(), { scopes: [] }, NOW)).rejects.toThrow(RangeError);
    await expect(drawApiKey(webClientCrypto(), { scopes: ['print'], expiresInDays: 0.5 }, NOW)).rejects.toThrow(RangeError);
  });
});

describe('scopes', () => {
  it('parse from a comma list into the canonical order, refusing unknown, repeated or empty names', () => {
    expect(parseScopes('print,balance')).toEqual(['balance', 'print']);
    expect(parseScopes(' fund , refund ')).toEqual(['refund', 'fund']);
    for (const bad of ['', 'print,', 'manage', 'print,print', 'PRINT', 'print;balance']) expect(parseScopes(bad), bad).toBeNull();
  });

  it('map each meter command to the scope it needs; anything else needs manage, which no key holds', () => {
    expect(['balance', 'print', 'refund', 'fund_request'].map(scopeOfOp)).toEqual(['balance', 'print', 'refund', 'fund']);
    for (const op of ['withdraw', 'password', 'api_key', 'login', 'unknown']) expect(scopeOfOp(op)).toBe('manage');
    expect(scopeAllows(null, 'manage')).toBe(true);
    expect(scopeAllows(null, 'print')).toBe(true);
    expect(scopeAllows(['print'], 'print')).toBe(true);
    expect(scopeAllows(['print'], 'refund')).toBe(false);
    expect(scopeAllows(['balance', 'print', 'refund', 'fund'], 'manage')).toBe(false);
  });
});

describe('the api_key command parameters (checked by the module)', () => {
  const good = { keyId: KEY_ID, keyHash: 'ab'.repeat(32), scopes: 'print,balance' };

  it('are answered back checked and canonical', () => {
    expect(checkApiKeyParams(good, NOW)).toEqual({ keyId: KEY_ID, keyHashHex: 'ab'.repeat(32), scopes: ['balance', 'print'], expiresAt: null });
    expect(apiKeyResult({ ...good, expiresAt: '2027-01-01T00:00:00Z' }, NOW)).toEqual({
      keyId: KEY_ID,
      keyHash: 'ab'.repeat(32),
      scopes: 'balance,print',
      expiresAt: '2027-01-01T00:00:00.000Z',
    });
  });

  it('refuse a bad id, hash, scope or expiry with invalid_request', () => {
    const day = 86_400_000;
    const bad: Record<string, string>[] = [
      { ...good, keyId: KEY_ID.toUpperCase() },
      { ...good, keyHash: 'ab'.repeat(31) },
      { ...good, scopes: 'print,manage' },
      { ...good, scopes: '' },
      { ...good, expiresAt: '2026-12-01' },
      { ...good, expiresAt: new Date(NOW - 1000).toISOString() },
      { ...good, expiresAt: new Date(NOW + (MAX_API_KEY_DAYS + 1) * day).toISOString() },
    ];
    for (const p of bad) {
      expect(typeof checkApiKeyParams(p, NOW), JSON.stringify(p)).toBe('string');
      expect(() => apiKeyResult(p, NOW)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    }
    expect(checkApiKeyParams({ ...good, expiresAt: new Date(NOW + MAX_API_KEY_DAYS * day).toISOString() }, NOW)).not.toBeTypeOf('string');
  });
});
