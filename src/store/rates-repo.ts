import type { Q } from './query.js';

// postal.rate_bundles: rate bundles waiting for a second officer's approval (006_rate_bundles.sql).

export async function keepRateBundle(q: Q, b: { sha256: string; rateTableId: string; bundle: string; by: string }): Promise<void> {
  await q.query('INSERT INTO postal.rate_bundles (sha256, rate_table_id, bundle, submitted_by) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING', [
    b.sha256,
    b.rateTableId,
    b.bundle,
    b.by,
  ]);
}

export async function findRateBundle(q: Q, sha256: string): Promise<string | null> {
  const r = await q.query<{ bundle: string }>('SELECT bundle FROM postal.rate_bundles WHERE sha256 = $1', [sha256]);
  return r.rows[0]?.bundle ?? null;
}
