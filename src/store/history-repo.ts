import type { Q } from './query.js';

// A meter's history, read from the rows ledger effects write (src/store/apply-effect.ts): its items
// (postal.items, with postal.verifications and postal.redemptions for their status), and the
// events that moved its registers. Read-only: nothing here needs a grant beyond SELECT.

/**
 * A row's place in a newest-first listing: its time as PostgreSQL's own microsecond text (a JS Date
 * keeps only milliseconds, and a cursor that rounded would skip or repeat rows) and its id.
 */
export interface HistoryPosition {
  readonly at: string;
  readonly id: string;
}

export type ItemStatusName = 'printed' | 'scanned' | 'refunded' | 'redeemed';

export interface HistoryFilter {
  readonly meterId: string;
  /** Rows at or after this time. */
  readonly from: Date | null;
  /** Rows before this time (the day after an inclusive `to`). */
  readonly before: Date | null;
  readonly kind: string | null;
  /** Rows after this one in the listing (older, or as old with a smaller id). */
  readonly after: HistoryPosition | null;
  readonly limit: number;
}

export interface ItemFilter extends HistoryFilter {
  readonly status: ItemStatusName | null;
}

export interface HistoryItemRow {
  itemId: string;
  kind: string;
  amountMills: bigint;
  itemSerial: bigint;
  itemBytes: Buffer;
  issuedAt: Date;
  refundedAt: Date | null;
  status: ItemStatusName;
  position: HistoryPosition;
}

export interface TransactionRow {
  eventId: string;
  kind: 'fund' | 'print' | 'refund' | 'withdraw' | 'audit' | 'adjust' | 'close';
  at: Date;
  amountMills: bigint;
  arAfterMills: bigint;
  drAfterMills: bigint;
  itemId: string | null;
  position: HistoryPosition;
}

const atKey = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The status GET /v1/items/{itemId} reports, in the same order: refunded, else redeemed, else scanned, else printed. */
const ITEM_STATUS = `CASE WHEN i.refunded_at IS NOT NULL THEN 'refunded'
  WHEN EXISTS (SELECT 1 FROM postal.redemptions r WHERE r.item_id = i.item_id) THEN 'redeemed'
  WHEN EXISTS (SELECT 1 FROM postal.verifications v WHERE v.item_id = i.item_id AND v.valid) THEN 'scanned'
  ELSE 'printed' END`;

/** Parameters in order, each placed as `$n` where it is used. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** The conditions both listings share, on a time column and a kind column. */
function common(f: Pick<HistoryFilter, 'from' | 'before' | 'kind'>, p: Params, at: string, kind: string): string[] {
  const c: string[] = [];
  if (f.from) c.push(`${at} >= ${p.add(f.from)}`);
  if (f.before) c.push(`${at} < ${p.add(f.before)}`);
  if (f.kind) c.push(`${kind} = ${p.add(f.kind)}`);
  return c;
}

function itemConditions(f: Omit<ItemFilter, 'after' | 'limit'>, p: Params): string[] {
  const c = [`i.meter_id = ${p.add(f.meterId)}`, ...common(f, p, 'i.created_at', 'i.kind')];
  if (f.status) c.push(`(${ITEM_STATUS}) = ${p.add(f.status)}`);
  return c;
}

/** One page of a meter's items, newest first. */
export async function listItems(q: Q, f: ItemFilter): Promise<HistoryItemRow[]> {
  const p = new Params();
  const c = itemConditions(f, p);
  if (f.after) c.push(`(i.created_at, i.item_id) < (${p.add(f.after.at)}::timestamptz, ${p.add(f.after.id)})`);
  const r = await q.query<Omit<HistoryItemRow, 'position'> & { atKey: string }>(
    `SELECT i.item_id AS "itemId", i.kind, i.amount_mills AS "amountMills", i.item_serial AS "itemSerial", i.item_bytes AS "itemBytes",
            i.created_at AS "issuedAt", i.refunded_at AS "refundedAt", ${ITEM_STATUS} AS status, ${atKey('i.created_at')} AS "atKey"
     FROM postal.items i WHERE ${c.join(' AND ')}
     ORDER BY i.created_at DESC, i.item_id DESC LIMIT ${p.add(f.limit)}`,
    p.values,
  );
  return r.rows.map(({ atKey: at, ...row }) => ({ ...row, position: { at, id: row.itemId } }));
}

/** How many items match, counting no further than `max` (an export checks its bound before it streams). */
export async function countItems(q: Q, f: Omit<ItemFilter, 'after' | 'limit'>, max: number): Promise<number> {
  const p = new Params();
  const c = itemConditions(f, p);
  const r = await q.query<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT 1 FROM postal.items i WHERE ${c.join(' AND ')} LIMIT ${p.add(max)}) x`, p.values);
  return Number(r.rows[0]!.n);
}

// Every event that moved the meter's registers, one row each: a funding (an officer's, an ACH
// debit's settlement, which stays even if the bank later returns the debit, or a sandbox meter's
// test funding, whose id starts `test_fund:`) credits dr; a print moves
// its amount from dr to ar; a refund credits dr again (ar keeps what was printed, and the control
// total grows, as src/meter/registers.ts does); a withdrawal and a device audit move nothing. A
// withdrawal is read from the log's clear header (postal.meters keeps only the latest status).
const EVENTS = `
  SELECT created_at AS at, 'print' AS kind, 'print:' || item_id AS event_id, amount_mills, amount_mills AS d_ar, -amount_mills AS d_dr, item_id
    FROM postal.items WHERE meter_id = $1
  UNION ALL
  SELECT refunded_at, 'refund', 'refund:' || item_id, amount_mills, 0, amount_mills, item_id
    FROM postal.items WHERE meter_id = $1 AND refunded_at IS NOT NULL
  UNION ALL
  SELECT at, action, action || ':' || action_id, m, 0, m, NULL
    FROM (SELECT *, CASE WHEN action = 'fund' THEN (detail->>'amountMills')::bigint ELSE 0 END AS m FROM support.operator_actions) a
    WHERE meter_id = $1 AND action IN ('fund', 'audit')
  UNION ALL
  SELECT settled_at, 'fund', 'settle:' || request_id, amount_mills, 0, amount_mills, NULL
    FROM commerce.funding_requests WHERE meter_id = $1 AND settled_at IS NOT NULL
  UNION ALL
  SELECT at, 'fund', 'test_fund:' || test_funding_id, amount_mills, 0, amount_mills, NULL
    FROM postal.test_fundings WHERE meter_id = $1
  UNION ALL
  SELECT at, 'withdraw', 'withdraw:' || log_id || ':' || seq, 0, 0, 0, NULL
    FROM postal.txlog WHERE meter_id = $1 AND type = 'withdraw'
  UNION ALL
  SELECT at, 'adjust', 'adjust:' || action_id, m, 0, m, NULL
    FROM (SELECT *, (detail->>'deltaMills')::bigint AS m FROM support.operator_actions) a WHERE meter_id = $1 AND action = 'meter_adjusted'
  UNION ALL
  SELECT at, 'close', 'close:' || action_id, m, 0, -m, NULL
    FROM (SELECT *, (detail->>'balanceMills')::bigint AS m FROM support.operator_actions) a WHERE meter_id = $1 AND action = 'account_closed'`;

// The registers after each event are running sums over the meter's whole history, in the listing's
// order; filters and the page apply after them, so every row carries the true registers.
const RUNNING = `
  WITH ev AS (${EVENTS}),
  run AS (SELECT ev.*, sum(d_ar) OVER w AS ar_after, sum(d_dr) OVER w AS dr_after FROM ev WINDOW w AS (ORDER BY at, event_id ROWS UNBOUNDED PRECEDING))`;

function transactionConditions(f: Omit<HistoryFilter, 'after' | 'limit'>, p: Params): string[] {
  p.add(f.meterId); // $1, which EVENTS names
  return ['true', ...common(f, p, 'at', 'kind')];
}

/** One page of a meter's register-changing events, newest first, each with ar and dr after it. */
export async function listTransactions(q: Q, f: HistoryFilter): Promise<TransactionRow[]> {
  const p = new Params();
  const c = transactionConditions(f, p);
  if (f.after) c.push(`(at, event_id) < (${p.add(f.after.at)}::timestamptz, ${p.add(f.after.id)})`);
  const r = await q.query<Omit<TransactionRow, 'position'> & { atKey: string }>(
    `${RUNNING}
     SELECT event_id AS "eventId", kind, at, amount_mills AS "amountMills", ar_after::bigint AS "arAfterMills", dr_after::bigint AS "drAfterMills",
            item_id AS "itemId", ${atKey('at')} AS "atKey"
     FROM run WHERE ${c.join(' AND ')} ORDER BY at DESC, event_id DESC LIMIT ${p.add(f.limit)}`,
    p.values,
  );
  return r.rows.map(({ atKey: at, ...row }) => ({ ...row, position: { at, id: row.eventId } }));
}

/** The registers after the meter's last event: the running sums the transaction history shows. */
export async function currentRegisters(q: Q, meterId: string): Promise<{ arMills: bigint; drMills: bigint }> {
  const r = await q.query<{ ar: bigint | null; dr: bigint | null }>(`SELECT sum(d_ar)::bigint AS ar, sum(d_dr)::bigint AS dr FROM (${EVENTS}) ev`, [meterId]);
  return { arMills: r.rows[0]?.ar ?? 0n, drMills: r.rows[0]?.dr ?? 0n };
}

/** How many events match, counting no further than `max`. */
export async function countTransactions(q: Q, f: Omit<HistoryFilter, 'after' | 'limit'>, max: number): Promise<number> {
  const p = new Params();
  const c = transactionConditions(f, p);
  const r = await q.query<{ n: bigint }>(
    `WITH ev AS (${EVENTS}) SELECT count(*) AS n FROM (SELECT 1 FROM ev WHERE ${c.join(' AND ')} LIMIT ${p.add(max)}) x`,
    p.values,
  );
  return Number(r.rows[0]!.n);
}
