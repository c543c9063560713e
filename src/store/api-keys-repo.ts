import type { Q } from './query.js';

// membership.api_keys (ledger state: written only by the `api_key_created` and `api_key_revoked`
// appliers, except last_used_at). Listings never select key_sha256: a customer has no use for it.

export interface ApiKeyRow {
  keyId: string;
  meterId: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** A key with its hash and its customer, to authenticate a request. */
export interface ApiKeyAuthRow extends ApiKeyRow {
  keySha256: Buffer;
  customerId: bigint;
  username: string;
}

const COLUMNS = `k.key_id AS "keyId", k.meter_id AS "meterId", k.scopes, k.created_at AS "createdAt", k.expires_at AS "expiresAt",
  k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt"`;

/** The key with that id and its customer, whatever its state (the caller checks hash, revocation and expiry). */
export async function findApiKeyForAuth(q: Q, keyId: string): Promise<ApiKeyAuthRow | null> {
  const r = await q.query<ApiKeyAuthRow>(
    `SELECT ${COLUMNS}, k.key_sha256 AS "keySha256", c.customer_id AS "customerId", c.username
     FROM membership.api_keys k JOIN membership.customers c ON c.meter_id = k.meter_id WHERE k.key_id = $1`,
    [keyId],
  );
  return r.rows[0] ?? null;
}

/** A meter's keys, revoked and expired ones too, newest first. */
export async function listApiKeys(q: Q, meterId: string): Promise<ApiKeyRow[]> {
  const r = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM membership.api_keys k WHERE k.meter_id = $1 ORDER BY k.created_at DESC, k.key_id`, [meterId]);
  return r.rows;
}

/** One of the meter's keys; another meter's is not found. */
export async function findApiKey(q: Q, meterId: string, keyId: string): Promise<ApiKeyRow | null> {
  const r = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM membership.api_keys k WHERE k.meter_id = $1 AND k.key_id = $2`, [meterId, keyId]);
  return r.rows[0] ?? null;
}

/** Keys that still authenticate: neither revoked nor expired. */
export async function countLiveApiKeys(q: Q, meterId: string): Promise<number> {
  const r = await q.query<{ n: string }>(
    'SELECT count(*) AS n FROM membership.api_keys WHERE meter_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())',
    [meterId],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** Serializes a meter's key creations until the transaction ends, so that two cannot both pass the bound. */
export async function lockMeterApiKeys(q: Q, meterId: string): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtextextended('membership.api_keys:' || $1::text, 0))", [meterId]);
}

/** Stamps last_used_at, at most once per `resolutionMs` (a hint, not ledger state: never a write per request). */
export async function touchApiKey(q: Q, keyId: string, resolutionMs: number): Promise<void> {
  await q.query(
    `UPDATE membership.api_keys SET last_used_at = now()
     WHERE key_id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2::double precision / 1000))`,
    [keyId, resolutionMs],
  );
}
