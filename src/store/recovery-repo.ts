import type { Q } from './query.js';

// Recovery from a backup: the checks and the clean-up around a restore and replay.

/** Meters plus log records: recovery goes only into an empty database. */
export async function metersAndRecords(q: Q): Promise<bigint> {
  const r = await q.query<{ n: string }>('SELECT (SELECT count(*) FROM postal.meters) + (SELECT count(*) FROM postal.txlog) AS n');
  return BigInt(r.rows[0]!.n);
}

export async function clearHalt(q: Q): Promise<void> {
  await q.query('UPDATE postal.system_state SET halted = false, halted_at = NULL, halt_reason = NULL');
}

export async function clearInhibited(q: Q, serial: string): Promise<void> {
  await q.query('UPDATE postal.modules SET inhibited_at = NULL WHERE serial = $1', [serial]);
}

export async function countMeters(q: Q): Promise<number> {
  return Number((await q.query('SELECT count(*) AS n FROM postal.meters')).rows[0].n);
}

export async function countItems(q: Q): Promise<number> {
  return Number((await q.query('SELECT count(*) AS n FROM postal.items')).rows[0].n);
}

/** Each meter's newest log header that changed its package. */
export async function newestMeterHeaders(q: Q): Promise<Buffer[]> {
  const r = await q.query<{ header: Buffer }>(
    `SELECT DISTINCT ON (meter_id) header FROM postal.txlog WHERE meter_id IS NOT NULL AND version_after > 0 ORDER BY meter_id, version_after DESC`,
  );
  return r.rows.map((x) => x.header);
}
