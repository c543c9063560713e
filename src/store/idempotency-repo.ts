import type { Q } from './query.js';

// postal.idempotency: remembered answers (a cache, not ledger state; written through BatchWriter.answers).

export interface StoredResponse {
  requestSha256: Buffer;
  statusCode: number;
  response: unknown;
}

export async function findIdempotent(q: Q, scope: string, key: string): Promise<StoredResponse | null> {
  const r = await q.query<StoredResponse>(
    `SELECT request_sha256 AS "requestSha256", status_code AS "statusCode", response FROM postal.idempotency
     WHERE scope = $1 AND idem_key = $2`,
    [scope, key],
  );
  return r.rows[0] ?? null;
}
