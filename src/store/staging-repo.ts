import { STAGING_LOCK_KEY } from '../constants.js';
import type { Q } from './query.js';

// The staging subsystem's SQL (docs/DSS.md): the nightly delta from the durable tables into the
// stripped copies in `staging`. Every statement here names its columns: nothing the vault keeps
// secret (packages, keys, MACs, item bytes, verifiers, bank accounts, tax ids, tokens) is selected.
// Run as the owner role, inside one REPEATABLE READ transaction (src/services/staging.ts).

/** A log position: for each log, the last sequence number (as text, for JSON). */
export type LogPosition = Record<string, string>;

/** One staging run at a time per installation: true when this connection now holds the lock. */
export async function tryLockStaging(q: Q): Promise<boolean> {
  const r = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [STAGING_LOCK_KEY]);
  return r.rows[0]!.ok;
}

export async function unlockStaging(q: Q): Promise<void> {
  await q.query('SELECT pg_advisory_unlock($1)', [STAGING_LOCK_KEY]);
}

/** The head of every log in this snapshot. */
export async function logHeads(q: Q): Promise<{ logId: string; seq: bigint; at: Date }[]> {
  const r = await q.query<{ logId: string; seq: bigint; at: Date }>(
    `SELECT t.log_id AS "logId", t.seq, t.at FROM postal.txlog t
     JOIN (SELECT log_id, max(seq) AS seq FROM postal.txlog GROUP BY log_id) h USING (log_id, seq) ORDER BY t.log_id`,
  );
  return r.rows;
}

/** Whether a delta ever committed into this staging (with an empty log, the watermark names no log). */
export async function hasDeltas(q: Q): Promise<boolean> {
  return (await q.query('SELECT 1 FROM staging.deltas LIMIT 1')).rowCount === 1;
}

export async function watermarks(q: Q): Promise<LogPosition> {
  const r = await q.query<{ logId: string; seq: bigint }>('SELECT log_id AS "logId", seq FROM staging.watermarks ORDER BY log_id');
  return Object.fromEntries(r.rows.map((x) => [x.logId, x.seq.toString()]));
}

/**
 * The meters named in the clear header of a log record after the watermark, and of every record of
 * `newLogs` (logs the watermark does not name yet). Index range scans on (log_id, seq) only.
 */
export async function metersTouchedSince(q: Q, newLogs: readonly string[]): Promise<string[]> {
  const r = await q.query<{ meterId: string }>(
    `SELECT DISTINCT meter_id AS "meterId" FROM (
       SELECT t.meter_id FROM staging.watermarks w JOIN postal.txlog t ON t.log_id = w.log_id AND t.seq > w.seq
       UNION ALL
       SELECT t.meter_id FROM postal.txlog t WHERE t.log_id = ANY($1::text[])
     ) x WHERE meter_id IS NOT NULL ORDER BY 1`,
    [newLogs],
  );
  return r.rows.map((x) => x.meterId);
}

export interface VaultItem {
  itemId: string;
  meterId: string;
  itemSerial: bigint;
  kind: string;
  amountMills: bigint;
  itemBytes: Buffer;
  createdAt: Date;
  refundedAt: Date | null;
}

/** A page of items, by item id, of these meters (null: of every meter). */
export async function itemsPage(q: Q, meters: readonly string[] | null, after: string, limit: number): Promise<VaultItem[]> {
  const r = await q.query<VaultItem>(
    `SELECT item_id AS "itemId", meter_id AS "meterId", item_serial AS "itemSerial", kind, amount_mills AS "amountMills",
            item_bytes AS "itemBytes", created_at AS "createdAt", refunded_at AS "refundedAt"
     FROM postal.items WHERE item_id > $1 AND ($2::uuid[] IS NULL OR meter_id = ANY($2::uuid[])) ORDER BY item_id LIMIT $3`,
    [after, meters, limit],
  );
  return r.rows;
}

/** An item as staging keeps it: the facts of its signed bytes, never the bytes. */
export interface StagedItem {
  itemId: string;
  meterId: string;
  itemSerial: bigint;
  kind: string;
  amountMills: bigint;
  createdAt: Date;
  refundedAt: Date | null;
  test: boolean;
  rateCategory: string | null;
  mailClass: string | null;
  zone: number | null;
  originZip: string | null;
  destZip5: string | null;
  weightTenthOz: number | null;
}

const ITEM_COLUMNS = [
  'item_id',
  'meter_id',
  'item_serial',
  'kind',
  'amount_mills',
  'created_at',
  'refunded_at',
  'test',
  'rate_category',
  'mail_class',
  'zone',
  'origin_zip',
  'dest_zip5',
  'weight_tenth_oz',
];

/** Upsert staged items; the number inserted or changed (an equal row is left alone). */
export async function upsertItems(q: Q, rows: readonly StagedItem[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await q.query(
    `INSERT INTO staging.items AS t (${ITEM_COLUMNS.join(', ')})
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[],
                          $8::boolean[], $9::text[], $10::text[], $11::smallint[], $12::text[], $13::text[], $14::integer[])
     ON CONFLICT (item_id) DO UPDATE SET ${ITEM_COLUMNS.slice(1)
       .map((c) => `${c} = EXCLUDED.${c}`)
       .join(', ')}
     WHERE ROW(t.*) IS DISTINCT FROM ROW(EXCLUDED.*)`,
    [
      rows.map((x) => x.itemId),
      rows.map((x) => x.meterId),
      rows.map((x) => x.itemSerial.toString()),
      rows.map((x) => x.kind),
      rows.map((x) => x.amountMills.toString()),
      rows.map((x) => x.createdAt),
      rows.map((x) => x.refundedAt),
      rows.map((x) => x.test),
      rows.map((x) => x.rateCategory),
      rows.map((x) => x.mailClass),
      rows.map((x) => x.zone),
      rows.map((x) => x.originZip),
      rows.map((x) => x.destZip5),
      rows.map((x) => x.weightTenthOz),
    ],
  );
  return r.rowCount ?? 0;
}

/** Staged items of these meters (null: of any) that the vault no longer holds (a recovery lost them). */
export async function dropVanishedItems(q: Q, meters: readonly string[] | null): Promise<number> {
  const r = await q.query(
    `DELETE FROM staging.items s WHERE ($1::uuid[] IS NULL OR s.meter_id = ANY($1::uuid[]))
       AND NOT EXISTS (SELECT 1 FROM postal.items i WHERE i.item_id = s.item_id)`,
    [meters],
  );
  return r.rowCount ?? 0;
}

/**
 * The tables staging copies whole, by comparison: what the vault holds now (the source query, its
 * columns in the table's order), and the primary key. Some of their changes come from log records
 * with no meter in the clear header (an ACH file, a billing run) or from no record at all (a scan
 * noted when no module could log it), so the log position cannot say which rows changed.
 */
const COMPARED: readonly { table: string; key: readonly string[]; columns: readonly string[]; source: string }[] = [
  {
    table: 'staging.meters',
    key: ['meter_id'],
    columns: ['meter_id', 'licensing_zip', 'status', 'sandbox', 'created_at', 'status_at', 'registered_at', 'plan', 'license_status'],
    source: `SELECT m.meter_id, m.licensing_zip, m.status, m.sandbox, m.created_at, m.status_at, c.registered_at, p.plan,
               (SELECT l.status FROM provider.meter_licenses l WHERE l.meter_id = m.meter_id
                ORDER BY l.status = 'revoked', l.issued_at DESC, l.license_number LIMIT 1) AS license_status
             FROM postal.meters m LEFT JOIN membership.customers c USING (meter_id) LEFT JOIN commerce.customer_plans p USING (meter_id)`,
  },
  {
    table: 'staging.scans',
    key: ['item_id', 'at', 'location', 'valid', 'ordinal'],
    columns: ['item_id', 'at', 'location', 'valid', 'ordinal', 'meter_id'],
    source: `SELECT item_id, at, location, valid,
               (row_number() OVER (PARTITION BY item_id, at, location, valid ORDER BY meter_id NULLS FIRST))::integer AS ordinal, meter_id
             FROM postal.verifications`,
  },
  {
    table: 'staging.fundings',
    key: ['funding_key'],
    columns: ['funding_key', 'meter_id', 'source', 'amount_mills', 'at', 'status', 'settled_at', 'returned_at', 'owed_mills'],
    source: `SELECT 'request:' || request_id, meter_id, method, amount_mills, requested_at, status, settled_at, returned_at, owed_mills
             FROM commerce.funding_requests
             UNION ALL
             SELECT source || ':' || meter_id || ':' || md5(concat_ws('|', officer, detail::text, at::text)) || ':'
                      || row_number() OVER (PARTITION BY source, meter_id, officer, detail::text, at ORDER BY action_id),
                    meter_id, source, amount, at, 'done', NULL::timestamptz, NULL::timestamptz, 0::bigint
             FROM (SELECT a.*, CASE action WHEN 'fund' THEN 'officer' WHEN 'meter_adjusted' THEN 'adjust' ELSE 'close' END AS source,
                          CASE action WHEN 'fund' THEN (detail->>'amountMills')::bigint
                                      WHEN 'meter_adjusted' THEN (detail->>'deltaMills')::bigint
                                      ELSE -(detail->>'balanceMills')::bigint END AS amount
                   FROM support.operator_actions a
                   WHERE action IN ('fund', 'meter_adjusted', 'account_closed') AND meter_id IS NOT NULL) o
             UNION ALL
             SELECT 'test:' || meter_id || ':' || md5(concat_ws('|', amount_mills::text, at::text)) || ':'
                      || row_number() OVER (PARTITION BY meter_id, amount_mills, at ORDER BY test_funding_id),
                    meter_id, 'test', amount_mills, at, 'done', NULL::timestamptz, NULL::timestamptz, 0::bigint
             FROM postal.test_fundings`,
  },
  {
    table: 'staging.account_refunds',
    key: ['meter_id'],
    columns: ['meter_id', 'refund_mills', 'owed_mills', 'state', 'closed_at', 'paid_at'],
    source: 'SELECT meter_id, refund_mills, owed_mills, state, closed_at, paid_at FROM commerce.account_refunds',
  },
  {
    table: 'staging.invoices',
    key: ['invoice_id'],
    columns: ['invoice_id', 'meter_id', 'month', 'plan', 'total_mills', 'issued_at'],
    source: 'SELECT invoice_id, meter_id, month, plan, total_mills, issued_at FROM commerce.invoices',
  },
];

export const COMPARED_TABLES = COMPARED.map((c) => c.table);

/** Make a compared table equal the vault's rows: insert, change and delete only what differs; the rows changed. */
export async function syncCompared(q: Q, table: string): Promise<number> {
  const c = COMPARED.find((x) => x.table === table);
  if (!c) throw new Error(`${table} is not a compared staging table`);
  const cols = c.columns.join(', ');
  const keyMatch = c.key.map((k) => `s.${k} = t.${k}`).join(' AND ');
  const set = c.columns
    .filter((x) => !c.key.includes(x))
    .map((x) => `${x} = EXCLUDED.${x}`)
    .join(', ');
  const r = await q.query<{ n: bigint }>(
    `WITH s (${cols}) AS MATERIALIZED (${c.source}),
       gone AS (DELETE FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM s WHERE ${keyMatch}) RETURNING 1),
       put AS (INSERT INTO ${table} AS t (${cols}) SELECT ${cols} FROM s
               ON CONFLICT (${c.key.join(', ')}) DO UPDATE SET ${set} WHERE ROW(t.*) IS DISTINCT FROM ROW(EXCLUDED.*) RETURNING 1)
     SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM put) AS n`,
  );
  return Number(r.rows[0]!.n);
}

/** The new watermark: the heads this delta read up to (a log the snapshot holds no record of keeps none). */
export async function setWatermarks(q: Q, heads: readonly { logId: string; seq: bigint; at: Date }[]): Promise<void> {
  await q.query(
    `INSERT INTO staging.watermarks AS w (log_id, seq, at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[])
     ON CONFLICT (log_id) DO UPDATE SET seq = EXCLUDED.seq, at = EXCLUDED.at WHERE (w.seq, w.at) IS DISTINCT FROM (EXCLUDED.seq, EXCLUDED.at)`,
    [heads.map((h) => h.logId), heads.map((h) => h.seq.toString()), heads.map((h) => h.at)],
  );
}

export interface DeltaRecord {
  startedAt: Date;
  from: LogPosition;
  to: LogPosition;
  fullCopy: boolean;
  metersTouched: number;
  rowsChanged: number;
}

export async function recordDelta(q: Q, d: DeltaRecord): Promise<void> {
  await q.query(
    `INSERT INTO staging.deltas (started_at, finished_at, from_position, to_position, full_copy, meters_touched, rows_changed)
     VALUES ($1, clock_timestamp(), $2, $3, $4, $5, $6)`,
    [d.startedAt, JSON.stringify(d.from), JSON.stringify(d.to), d.fullCopy, d.metersTouched, d.rowsChanged],
  );
}

// ---- The DSS role's side: reading staging for the warehouse load (as vaultmeter_dss). ----

/** The tables the warehouse loads, and how to read each page in a fixed order (keyset on the primary key). */
export const WAREHOUSE_SOURCES = {
  meters: {
    key: ['meter_id'],
    columns: `meter_id::text, licensing_zip, status, sandbox, ${us('created_at')}, ${us('status_at')}, ${us('registered_at')}, plan, license_status`,
  },
  items: {
    key: ['item_id'],
    columns: `item_id, meter_id::text, item_serial, kind, amount_mills, ${us('created_at')}, ${us('refunded_at')}, test, rate_category, mail_class, zone, origin_zip, dest_zip5, weight_tenth_oz`,
  },
  scans: { key: ['item_id', 'at', 'location', 'valid', 'ordinal'], columns: `item_id, ${us('at')}, location, valid, ordinal, meter_id::text` },
  fundings: {
    key: ['funding_key'],
    columns: `funding_key, meter_id::text, source, amount_mills, ${us('at')}, status, ${us('settled_at')}, ${us('returned_at')}, owed_mills`,
  },
  account_refunds: { key: ['meter_id'], columns: `meter_id::text, refund_mills, owed_mills, state, ${us('closed_at')}, ${us('paid_at')}` },
  invoices: { key: ['invoice_id'], columns: `invoice_id::text, meter_id::text, month, plan, total_mills, ${us('issued_at')}` },
} as const;
export type WarehouseTable = keyof typeof WAREHOUSE_SOURCES;

/** A time as microseconds since the epoch (bigint; exact, unlike a JS Date). */
function us(col: string): string {
  return `(extract(epoch FROM ${col}) * 1000000)::bigint AS ${col}`;
}

/**
 * One page of a staging table as rows of values, after the key of the last row of the previous page.
 * Each row ends with its key values as text (a time keeps its microseconds), for the next page.
 */
export async function stagingPage(q: Q, table: WarehouseTable, after: readonly unknown[] | null, limit: number): Promise<unknown[][]> {
  const s = WAREHOUSE_SOURCES[table];
  const key = `(${s.key.map((k) => `t.${k}`).join(', ')})`;
  const keyParams = s.key.map((_, i) => `$${i + 2}`).join(', ');
  const r = await q.query({
    text: `SELECT ${s.columns}, ${s.key.map((k, i) => `t.${k}::text AS k${i}`).join(', ')} FROM staging.${table} t
           ${after ? `WHERE ${key} > (${keyParams})` : ''} ORDER BY ${s.key.map((k) => `t.${k}`).join(', ')} LIMIT $1`,
    values: [limit, ...(after ?? [])],
    rowMode: 'array',
  });
  return r.rows as unknown[][];
}
