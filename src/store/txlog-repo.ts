import type { Tx } from './db.js';

// Queries on the transaction log tables (postal.txlog and the shipper's bookkeeping).

type Q = Pick<Tx, 'query'>;

export interface LogRow {
  logId: string;
  seq: bigint;
  at: Date;
  type: string;
  meterId: string | null;
  hash: Buffer;
  header: Buffer;
  body: Buffer;
  headSignature: Buffer | null;
}

const LOG_COLS = `log_id AS "logId", seq, at, type, meter_id AS "meterId", hash, header, body, head_signature AS "headSignature"`;

const toLogRow = (r: LogRow & { seq: string | bigint }): LogRow => ({ ...r, seq: BigInt(r.seq) });

/** The last record of a log: where the module's chain stands in the database (null: empty log). */
export async function logHead(q: Q, logId: string): Promise<{ seq: bigint; hash: string } | null> {
  const r = await q.query<{ seq: string; hash: Buffer }>('SELECT seq, hash FROM postal.txlog WHERE log_id = $1 ORDER BY seq DESC LIMIT 1', [logId]);
  const row = r.rows[0];
  return row ? { seq: BigInt(row.seq), hash: row.hash.toString('hex') } : null;
}

/** Logs that hold records. Each module writes its own log (log id = its serial): one index probe each. */
export async function logIds(q: Q): Promise<string[]> {
  const r = await q.query<{ serial: string }>(
    'SELECT m.serial FROM postal.modules m WHERE EXISTS (SELECT 1 FROM postal.txlog t WHERE t.log_id = m.serial) ORDER BY m.serial',
  );
  return r.rows.map((x) => x.serial);
}

/** Records of a log after `afterSeq`, at most `limit`, in order. */
export async function readLog(q: Q, logId: string, afterSeq: bigint, limit: number): Promise<LogRow[]> {
  const r = await q.query<LogRow & { seq: string }>(`SELECT ${LOG_COLS} FROM postal.txlog WHERE log_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [
    logId,
    afterSeq.toString(),
    limit,
  ]);
  return r.rows.map(toLogRow);
}

/** The newest signed head of a log at or before `maxSeq` (segments end only at signed heads). */
export async function lastSignedSeq(q: Q, logId: string, afterSeq: bigint, maxSeq: bigint): Promise<bigint | null> {
  const r = await q.query<{ seq: string }>(
    'SELECT seq FROM postal.txlog WHERE log_id = $1 AND seq > $2 AND seq <= $3 AND head_signature IS NOT NULL ORDER BY seq DESC LIMIT 1',
    [logId, afterSeq.toString(), maxSeq.toString()],
  );
  return r.rows[0] ? BigInt(r.rows[0].seq) : null;
}

export interface SegmentRow {
  logId: string;
  firstSeq: bigint;
  lastSeq: bigint;
  objectKey: string;
  records: number;
  bytes: bigint;
  createdAt: Date;
}

export async function lastSegment(q: Q, logId: string): Promise<SegmentRow | null> {
  const r = await q.query(
    `SELECT log_id AS "logId", first_seq AS "firstSeq", last_seq AS "lastSeq", object_key AS "objectKey", records, bytes, created_at AS "createdAt"
     FROM postal.txlog_segments WHERE log_id = $1 ORDER BY first_seq DESC LIMIT 1`,
    [logId],
  );
  const row = r.rows[0];
  return row ? { ...row, firstSeq: BigInt(row.firstSeq), lastSeq: BigInt(row.lastSeq), bytes: BigInt(row.bytes) } : null;
}

export async function segmentsAfter(q: Q, logId: string, afterSeq: bigint, limit: number): Promise<SegmentRow[]> {
  const r = await q.query(
    `SELECT log_id AS "logId", first_seq AS "firstSeq", last_seq AS "lastSeq", object_key AS "objectKey", records, bytes, created_at AS "createdAt"
     FROM postal.txlog_segments WHERE log_id = $1 AND last_seq > $2 ORDER BY first_seq LIMIT $3`,
    [logId, afterSeq.toString(), limit],
  );
  return r.rows.map((row) => ({ ...row, firstSeq: BigInt(row.firstSeq), lastSeq: BigInt(row.lastSeq), bytes: BigInt(row.bytes) }));
}

export async function insertSegment(q: Q, s: Omit<SegmentRow, 'createdAt'>): Promise<void> {
  await q.query('INSERT INTO postal.txlog_segments (log_id, first_seq, last_seq, object_key, records, bytes) VALUES ($1, $2, $3, $4, $5, $6)', [
    s.logId,
    s.firstSeq.toString(),
    s.lastSeq.toString(),
    s.objectKey,
    s.records,
    s.bytes.toString(),
  ]);
}

export async function shippedPositions(q: Q, target: string): Promise<Map<string, bigint>> {
  const r = await q.query<{ log_id: string; last_seq: string }>('SELECT log_id, last_seq FROM postal.txlog_shipped WHERE target = $1', [target]);
  return new Map(r.rows.map((x) => [x.log_id, BigInt(x.last_seq)]));
}

export async function setShipped(q: Q, target: string, logId: string, lastSeq: bigint): Promise<void> {
  await q.query(
    `INSERT INTO postal.txlog_shipped (target, log_id, last_seq) VALUES ($1, $2, $3)
     ON CONFLICT (target, log_id) DO UPDATE SET last_seq = GREATEST(postal.txlog_shipped.last_seq, EXCLUDED.last_seq), shipped_at = now()`,
    [target, logId, lastSeq.toString()],
  );
}

export interface ShippingStatus {
  logId: string;
  lastSeq: bigint;
  lastAt: Date | null;
  /** The lowest position any target has reached, and when the oldest unshipped record was written. */
  shippedSeq: bigint;
  oldestUnshippedAt: Date | null;
}

/** Per log: how far it goes, how far every target has it, and how old the oldest record not yet everywhere is. */
export async function shippingStatus(q: Q, targets: readonly string[]): Promise<ShippingStatus[]> {
  const r = await q.query<{ log_id: string; last_seq: string; last_at: Date; shipped_seq: string; oldest_at: Date | null }>(
    `WITH heads AS (
            SELECT m.serial AS log_id, h.seq AS last_seq, h.at AS last_at FROM postal.modules m
            CROSS JOIN LATERAL (SELECT seq, at FROM postal.txlog t WHERE t.log_id = m.serial ORDER BY seq DESC LIMIT 1) h),
          shipped AS (
            SELECT h.log_id, COALESCE(min(COALESCE(s.last_seq, 0)), 0) AS shipped_seq
            FROM heads h CROSS JOIN unnest($1::text[]) AS t(target)
            LEFT JOIN postal.txlog_shipped s ON s.log_id = h.log_id AND s.target = t.target
            GROUP BY h.log_id)
     SELECT h.log_id, h.last_seq::text, h.last_at, COALESCE(s.shipped_seq, 0)::text AS shipped_seq,
            (SELECT at FROM postal.txlog l WHERE l.log_id = h.log_id AND l.seq = COALESCE(s.shipped_seq, 0) + 1) AS oldest_at
     FROM heads h LEFT JOIN shipped s ON s.log_id = h.log_id ORDER BY h.log_id`,
    [targets],
  );
  return r.rows.map((x) => ({
    logId: x.log_id,
    lastSeq: BigInt(x.last_seq),
    lastAt: x.last_at,
    shippedSeq: targets.length ? BigInt(x.shipped_seq) : 0n,
    oldestUnshippedAt: x.oldest_at,
  }));
}

/** The package changes in records after..to of a log, for the audit verifier. */
export async function changesIn(
  q: Q,
  logId: string,
  after: bigint,
  to: bigint,
): Promise<{ meterId: string; logId: string; seq: bigint; versionAfter: bigint }[]> {
  const r = await q.query<{ meterId: string; logId: string; seq: bigint; versionAfter: bigint }>(
    `SELECT meter_id AS "meterId", log_id AS "logId", seq, version_after AS "versionAfter" FROM postal.txlog
     WHERE log_id = $1 AND seq > $2 AND seq <= $3 AND meter_id IS NOT NULL AND version_after > 0`,
    [logId, after.toString(), to.toString()],
  );
  return r.rows.map((x) => ({ ...x, seq: BigInt(x.seq), versionAfter: BigInt(x.versionAfter) }));
}

export interface ContinuityRow {
  meterId: string;
  logId: string;
  seq: bigint;
  versionAfter: bigint;
  arMills: bigint;
  drMills: bigint;
}

export async function continuityOf(q: Q, meterIds: readonly string[]): Promise<Map<string, ContinuityRow>> {
  if (meterIds.length === 0) return new Map();
  const r = await q.query(
    `SELECT meter_id AS "meterId", log_id AS "logId", seq, version_after AS "versionAfter", ar_mills AS "arMills", dr_mills AS "drMills"
     FROM postal.txlog_continuity WHERE meter_id = ANY($1::uuid[])`,
    [meterIds],
  );
  return new Map(
    r.rows.map((x) => [x.meterId, { ...x, seq: BigInt(x.seq), versionAfter: BigInt(x.versionAfter), arMills: BigInt(x.arMills), drMills: BigInt(x.drMills) }]),
  );
}

export async function saveContinuity(q: Q, rows: readonly ContinuityRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO postal.txlog_continuity (meter_id, log_id, seq, version_after, ar_mills, dr_mills)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
     ON CONFLICT (meter_id) DO UPDATE SET log_id = EXCLUDED.log_id, seq = EXCLUDED.seq, version_after = EXCLUDED.version_after,
       ar_mills = EXCLUDED.ar_mills, dr_mills = EXCLUDED.dr_mills`,
    [
      rows.map((x) => x.meterId),
      rows.map((x) => x.logId),
      rows.map((x) => x.seq.toString()),
      rows.map((x) => x.versionAfter.toString()),
      rows.map((x) => x.arMills.toString()),
      rows.map((x) => x.drMills.toString()),
    ],
  );
}

/** A segment already on the ship target becomes the database's own (after a replay); 1 if it was new. */
export async function adoptSegment(q: Q, s: { logId: string; firstSeq: bigint; lastSeq: bigint; objectKey: string }): Promise<number> {
  const r = await q.query(
    `INSERT INTO postal.txlog_segments (log_id, first_seq, last_seq, object_key, records, bytes) VALUES ($1, $2, $3, $4, $5, 0)
     ON CONFLICT DO NOTHING`,
    [s.logId, s.firstSeq.toString(), s.lastSeq.toString(), s.objectKey, Number(s.lastSeq - s.firstSeq + 1n)],
  );
  return r.rowCount ?? 0;
}

export interface ForkRow {
  meterId: string;
  versionAfter: string;
  logId: string;
  seq: string;
}

/** Of these (meter, version) changes, those that two records lead to, on meters not yet suspended: the newest record of each. */
export async function forkedChanges(q: Q, meterIds: readonly string[], versionsAfter: readonly string[]): Promise<ForkRow[]> {
  const r = await q.query<{ meter_id: string; version_after: string; log_id: string; seq: string }>(
    `SELECT DISTINCT ON (t.meter_id) t.meter_id, t.version_after::text, t.log_id, t.seq::text
     FROM postal.txlog t
     JOIN (SELECT meter_id, version_after FROM postal.txlog
           WHERE (meter_id, version_after) IN (SELECT * FROM unnest($1::uuid[], $2::bigint[]))
           GROUP BY meter_id, version_after HAVING count(*) > 1) f
       ON f.meter_id = t.meter_id AND f.version_after = t.version_after
     JOIN postal.meters m ON m.meter_id = t.meter_id AND m.status <> 'suspended'
     ORDER BY t.meter_id, t.version_after, t.at DESC`,
    [meterIds, versionsAfter],
  );
  return r.rows.map((x) => ({ meterId: x.meter_id, versionAfter: x.version_after, logId: x.log_id, seq: x.seq }));
}

export interface UnverifiedChange {
  meterId: string;
  logId: string;
  seq: string;
  header: Buffer;
}

/** The records of these (unsuspended) meters past their last verified change, in version order. */
export async function changesPastContinuity(q: Q, meterIds: readonly string[]): Promise<UnverifiedChange[]> {
  const r = await q.query<{ meter_id: string; log_id: string; seq: string; header: Buffer; status: string }>(
    `SELECT t.meter_id, t.log_id, t.seq, t.header, m.status
     FROM postal.txlog t
     JOIN postal.meters m ON m.meter_id = t.meter_id
     LEFT JOIN postal.txlog_continuity c ON c.meter_id = t.meter_id
     WHERE t.meter_id = ANY($1::uuid[]) AND t.version_after > COALESCE(c.version_after, 0) AND m.status <> 'suspended'
     ORDER BY t.meter_id, t.version_after, t.log_id, t.seq`,
    [meterIds],
  );
  return r.rows.map((x) => ({ meterId: x.meter_id, logId: x.log_id, seq: x.seq, header: x.header }));
}

/** One meter's records newer than a package version, oldest first (a package row put back is rolled forward from them). */
export async function meterRecordsAfter(q: Q, meterId: string, version: bigint, limit: number): Promise<LogRow[]> {
  const r = await q.query<LogRow & { seq: string }>(
    `SELECT ${LOG_COLS} FROM postal.txlog WHERE meter_id = $1 AND version_after > $2 ORDER BY version_after, log_id, seq LIMIT $3`,
    [meterId, version.toString(), limit],
  );
  return r.rows.map(toLogRow);
}

/** The hash of one record of a log (null: not in the database). */
export async function recordHashAt(q: Q, logId: string, seq: bigint): Promise<string | null> {
  const r = await q.query<{ hash: Buffer }>('SELECT hash FROM postal.txlog WHERE log_id = $1 AND seq = $2', [logId, seq.toString()]);
  return r.rows[0]?.hash.toString('hex') ?? null;
}
