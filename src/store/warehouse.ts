import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { WAREHOUSE_LOAD_PAGE } from '../constants.js';
import type { Q } from './query.js';
import { stagingPage, type WarehouseTable } from './staging-repo.js';

// The decision-support warehouse (docs/DSS.md): an embedded DuckDB file loaded from `staging`
// (read as vaultmeter_dss), opened read-only for reports. A load rebuilds the whole file from
// staging, in primary-key order, into a new file that replaces the old one when complete: the
// warehouse is a function of staging, so staging rebuilt after a recovery gives the same warehouse.
// Staging's `at` columns are scans.scanned_at and fundings.funded_at here (AT is a DuckDB keyword).
// Money is BIGINT mills (sums are HUGEINT), read back as bigint; times are UTC TIMESTAMPs.

type Col = readonly [name: string, type: 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'SMALLINT' | 'BOOLEAN' | 'TIMESTAMP'];

const SCHEMA: Readonly<Record<WarehouseTable, readonly Col[]>> = {
  meters: [
    ['meter_id', 'VARCHAR'],
    ['licensing_zip', 'VARCHAR'],
    ['status', 'VARCHAR'],
    ['sandbox', 'BOOLEAN'],
    ['created_at', 'TIMESTAMP'],
    ['status_at', 'TIMESTAMP'],
    ['registered_at', 'TIMESTAMP'],
    ['plan', 'VARCHAR'],
    ['license_status', 'VARCHAR'],
  ],
  items: [
    ['item_id', 'VARCHAR'],
    ['meter_id', 'VARCHAR'],
    ['item_serial', 'BIGINT'],
    ['kind', 'VARCHAR'],
    ['amount_mills', 'BIGINT'],
    ['created_at', 'TIMESTAMP'],
    ['refunded_at', 'TIMESTAMP'],
    ['test', 'BOOLEAN'],
    ['rate_category', 'VARCHAR'],
    ['mail_class', 'VARCHAR'],
    ['zone', 'SMALLINT'],
    ['origin_zip', 'VARCHAR'],
    ['dest_zip5', 'VARCHAR'],
    ['weight_tenth_oz', 'INTEGER'],
  ],
  scans: [
    ['item_id', 'VARCHAR'],
    ['scanned_at', 'TIMESTAMP'],
    ['location', 'VARCHAR'],
    ['valid', 'BOOLEAN'],
    ['ordinal', 'INTEGER'],
    ['meter_id', 'VARCHAR'],
  ],
  fundings: [
    ['funding_key', 'VARCHAR'],
    ['meter_id', 'VARCHAR'],
    ['source', 'VARCHAR'],
    ['amount_mills', 'BIGINT'],
    ['funded_at', 'TIMESTAMP'],
    ['status', 'VARCHAR'],
    ['settled_at', 'TIMESTAMP'],
    ['returned_at', 'TIMESTAMP'],
    ['owed_mills', 'BIGINT'],
  ],
  account_refunds: [
    ['meter_id', 'VARCHAR'],
    ['refund_mills', 'BIGINT'],
    ['owed_mills', 'BIGINT'],
    ['state', 'VARCHAR'],
    ['closed_at', 'TIMESTAMP'],
    ['paid_at', 'TIMESTAMP'],
  ],
  invoices: [
    ['invoice_id', 'VARCHAR'],
    ['meter_id', 'VARCHAR'],
    ['month', 'VARCHAR'],
    ['plan', 'VARCHAR'],
    ['total_mills', 'BIGINT'],
    ['issued_at', 'TIMESTAMP'],
  ],
};

export const WAREHOUSE_TABLES = Object.keys(SCHEMA) as WarehouseTable[];

function append(a: DuckDBAppender, type: Col[1], v: unknown): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (type) {
    case 'VARCHAR':
      return a.appendVarchar(String(v));
    case 'BIGINT':
      return a.appendBigInt(BigInt(v as bigint));
    case 'INTEGER':
      return a.appendInteger(Number(v));
    case 'SMALLINT':
      return a.appendSmallInt(Number(v));
    case 'BOOLEAN':
      return a.appendBoolean(v === true);
    case 'TIMESTAMP':
      return a.appendTimestamp(new DuckDBTimestampValue(BigInt(v as bigint)));
  }
}

/**
 * Rebuild the warehouse file from staging: every table, in primary-key order, into `<file>.new`,
 * renamed over `file` when complete (a reader sees the old warehouse or the new one, never half).
 * `staging` is a connection as vaultmeter_dss. Returns the rows loaded per table.
 */
export async function buildWarehouse(staging: Q, file: string, onProgress: (table: string, rows: number) => void = () => {}): Promise<Record<string, number>> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.new`;
  await rm(tmp, { force: true });
  await rm(`${tmp}.wal`, { force: true });
  const instance = await DuckDBInstance.create(tmp);
  const counts: Record<string, number> = {};
  try {
    const conn = await instance.connect();
    try {
      for (const table of WAREHOUSE_TABLES) {
        const cols = SCHEMA[table];
        await conn.run(`CREATE TABLE ${table} (${cols.map(([n, t]) => `${n} ${t}`).join(', ')})`);
        counts[table] = await loadTable(conn, staging, table, cols, (n) => onProgress(table, n));
      }
      await conn.run('CHECKPOINT');
    } finally {
      conn.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  await rename(tmp, file);
  return counts;
}

async function loadTable(conn: DuckDBConnection, staging: Q, table: WarehouseTable, cols: readonly Col[], onProgress: (rows: number) => void): Promise<number> {
  const appender = await conn.createAppender(table);
  let after: unknown[] | null = null;
  let n = 0;
  try {
    for (;;) {
      const page = await stagingPage(staging, table, after, WAREHOUSE_LOAD_PAGE);
      for (const row of page) {
        for (let i = 0; i < cols.length; i++) append(appender, cols[i]![1], row[i]);
        appender.endRow();
      }
      n += page.length;
      onProgress(n);
      if (page.length < WAREHOUSE_LOAD_PAGE) break;
      after = page[page.length - 1]!.slice(cols.length);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return n;
}

export interface Warehouse {
  /** Rows of a query as column names and values (BIGINT and HUGEINT as bigint). */
  query(sql: string, params?: DuckDBValue[]): Promise<{ columns: string[]; rows: DuckDBValue[][] }>;
  close(): void;
}

/** The warehouse file, opened read-only: a report can change nothing. */
export async function openWarehouse(file: string): Promise<Warehouse> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  return {
    async query(sql, params) {
      const r = await conn.runAndReadAll(sql, params);
      return { columns: r.columnNames(), rows: r.getRows() };
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export const REPORT_NAMES = ['postage', 'funding', 'duplicates', 'active-meters', 'revenue'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

const day = (col: string) => `CAST(${col} AS DATE)`;
const inRange = (col: string) => `${day(col)} BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`;

/**
 * The reports' queries; $1 and $2 are the first and last day (YYYY-MM-DD, UTC, inclusive). Test
 * items (a sandbox meter's) are never postage and never counted; test fundings neither.
 */
export const REPORT_SQL: Readonly<Record<ReportName, string>> = {
  // Postage printed per day, mail class and zone (an unrated piece has no zone), and what of it was refunded.
  postage: `
    SELECT strftime(${day('created_at')}, '%Y-%m-%d') AS day, coalesce(mail_class, '') AS mail_class, coalesce(CAST(zone AS VARCHAR), '') AS zone,
           count(*) AS pieces, sum(amount_mills) AS postage_mills,
           count(refunded_at) AS refunded_pieces, coalesce(sum(amount_mills) FILTER (WHERE refunded_at IS NOT NULL), 0) AS refunded_mills
    FROM items WHERE kind = 'postage' AND NOT test AND ${inRange('created_at')}
    GROUP BY ALL ORDER BY day, mail_class, zone`,
  // Money into meters (officers' fundings; ACH and card debits on the day they settled), debits the
  // bank returned after settlement (what the customer owes), care adjustments, and money back out
  // (refunded items; closed accounts' refunds), per day.
  funding: `
    WITH ev AS (
      SELECT ${day('funded_at')} AS d, amount_mills AS funded, 0 AS returned_owed, 0 AS adjusted, 0 AS item_refunds, 0 AS account_refunds
        FROM fundings WHERE source = 'officer'
      UNION ALL SELECT ${day('settled_at')}, amount_mills, 0, 0, 0, 0 FROM fundings WHERE source IN ('ach', 'card') AND settled_at IS NOT NULL
      UNION ALL SELECT ${day('returned_at')}, 0, owed_mills, 0, 0, 0 FROM fundings WHERE source IN ('ach', 'card') AND returned_at IS NOT NULL AND owed_mills > 0
      UNION ALL SELECT ${day('funded_at')}, 0, 0, amount_mills, 0, 0 FROM fundings WHERE source = 'adjust'
      UNION ALL SELECT ${day('refunded_at')}, 0, 0, 0, amount_mills, 0 FROM items WHERE refunded_at IS NOT NULL AND NOT test
      UNION ALL SELECT ${day('closed_at')}, 0, 0, 0, 0, refund_mills FROM account_refunds)
    SELECT strftime(d, '%Y-%m-%d') AS day, sum(funded) AS funded_mills, sum(returned_owed) AS returned_owed_mills, sum(adjusted) AS adjusted_mills,
           sum(item_refunds) AS item_refund_mills, sum(account_refunds) AS account_refund_mills
    FROM ev WHERE d BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) GROUP BY d ORDER BY d`,
  // Items scanned more than once in the period: a possible reuse of a printed item.
  duplicates: `
    SELECT item_id, coalesce(max(meter_id), '') AS meter_id, count(*) AS scans, count(*) FILTER (WHERE valid) AS valid_scans,
           count(DISTINCT location) AS locations, strftime(min(scanned_at), '%Y-%m-%dT%H:%M:%S.%fZ') AS first_at, strftime(max(scanned_at), '%Y-%m-%dT%H:%M:%S.%fZ') AS last_at
    FROM scans WHERE ${inRange('scanned_at')} GROUP BY item_id HAVING count(*) > 1 ORDER BY scans DESC, item_id`,
  // Meters that printed on each day.
  'active-meters': `
    SELECT strftime(${day('created_at')}, '%Y-%m-%d') AS day, count(DISTINCT meter_id) AS active_meters, count(*) AS pieces, sum(amount_mills) AS amount_mills
    FROM items WHERE NOT test AND ${inRange('created_at')} GROUP BY ALL ORDER BY day`,
  // Per pricing plan (a customer who chose none pays as they go): registered meters on it now,
  // what they printed in the period, and what was invoiced on it (the plan on the invoice).
  revenue: `
    WITH p AS (SELECT meter_id, coalesce(plan, 'pay_as_you_go') AS plan FROM meters WHERE registered_at IS NOT NULL AND NOT sandbox),
      m AS (SELECT plan, count(*) AS meters FROM p GROUP BY plan),
      printed AS (SELECT p.plan, count(*) AS pieces, sum(amount_mills) AS amount_mills FROM items i JOIN p USING (meter_id)
                  WHERE NOT i.test AND ${inRange('i.created_at')} GROUP BY p.plan),
      inv AS (SELECT plan, count(*) AS invoices, sum(total_mills) AS invoiced_mills FROM invoices WHERE ${inRange('issued_at')} GROUP BY plan),
      plans AS (SELECT plan FROM m UNION SELECT plan FROM printed UNION SELECT plan FROM inv)
    SELECT plans.plan, coalesce(m.meters, 0) AS meters, coalesce(printed.pieces, 0) AS pieces, coalesce(printed.amount_mills, 0) AS amount_mills,
           coalesce(inv.invoices, 0) AS invoices, coalesce(inv.invoiced_mills, 0) AS invoiced_mills
    FROM plans LEFT JOIN m USING (plan) LEFT JOIN printed USING (plan) LEFT JOIN inv USING (plan) ORDER BY plans.plan`,
};
