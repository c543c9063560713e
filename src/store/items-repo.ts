import type { Q } from './query.js';

// postal.items, postal.verifications (scans) and postal.redemptions: all written by ledger effects.

export interface ItemRow {
  itemId: string;
  meterId: string;
  itemSerial: bigint;
  amountMills: bigint;
  itemBytes: Buffer;
  createdAt: Date;
  refundedAt: Date | null;
}

export async function getItem(q: Q, itemId: string): Promise<ItemRow | null> {
  const r = await q.query<ItemRow>(
    `SELECT item_id AS "itemId", meter_id AS "meterId", item_serial AS "itemSerial", amount_mills AS "amountMills",
            item_bytes AS "itemBytes", created_at AS "createdAt", refunded_at AS "refundedAt"
     FROM postal.items WHERE item_id = $1`,
    [itemId],
  );
  return r.rows[0] ?? null;
}

export interface ScanRow {
  at: Date;
  location: string;
}

/** The earliest valid scans of an item (oldest first, at most a few). */
export async function earlierScans(q: Q, itemId: string): Promise<ScanRow[]> {
  const r = await q.query<ScanRow>('SELECT at, location FROM postal.verifications WHERE item_id = $1 AND valid ORDER BY at, verification_id LIMIT 3', [itemId]);
  return r.rows;
}

export async function wasScanned(q: Q, itemId: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM postal.verifications WHERE item_id = $1 AND valid LIMIT 1', [itemId]);
  return (r.rowCount ?? 0) > 0;
}

export interface RedemptionRow {
  at: Date;
  location: string;
}

export async function findRedemption(q: Q, itemId: string): Promise<RedemptionRow | null> {
  const r = await q.query<RedemptionRow>('SELECT at, location FROM postal.redemptions WHERE item_id = $1', [itemId]);
  return r.rows[0] ?? null;
}

export interface ScanSummary {
  /** Valid scans of the item. */
  count: number;
  firstAt: Date | null;
  lastAt: Date | null;
}

/** How often and when an item was scanned (valid verifications only), for its status (GET /v1/items/{itemId}). */
export async function scanSummary(q: Q, itemId: string): Promise<ScanSummary> {
  const r = await q.query<{ count: string; firstAt: Date | null; lastAt: Date | null }>(
    'SELECT count(*) AS count, min(at) AS "firstAt", max(at) AS "lastAt" FROM postal.verifications WHERE item_id = $1 AND valid',
    [itemId],
  );
  const row = r.rows[0]!;
  return { count: Number(row.count), firstAt: row.firstAt, lastAt: row.lastAt };
}
