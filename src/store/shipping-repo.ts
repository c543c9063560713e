import type pg from 'pg';
import type { Q } from './query.js';

// The shipper's notifications, and how far each log has shipped (for `shipped` durability).

/** Listeners (API servers waiting for `shipped` durability) are told on this channel. */
export const SHIPPED_CHANNEL = 'vaultmeter_shipped';
/** API servers wake an idle continuous shipper on this channel when an answer waits for shipping. */
export const COMMITTED_CHANNEL = 'vaultmeter_committed';

export async function listenShipped(client: pg.ClientBase): Promise<void> {
  await client.query(`LISTEN ${SHIPPED_CHANNEL}`);
}

export async function listenCommitted(client: pg.ClientBase): Promise<void> {
  await client.query(`LISTEN ${COMMITTED_CHANNEL}`);
}

export async function notifyShipped(q: Q): Promise<void> {
  await q.query(`NOTIFY ${SHIPPED_CHANNEL}`);
}

export async function notifyCommitted(q: Q): Promise<void> {
  await q.query(`NOTIFY ${COMMITTED_CHANNEL}`);
}

/** Per log, the last record on any of these targets. */
export async function shippedUpTo(q: Q, targets: readonly string[]): Promise<Map<string, bigint>> {
  const r = await q.query<{ log_id: string; seq: bigint }>(
    'SELECT log_id, max(last_seq) AS seq FROM postal.txlog_shipped WHERE target = ANY($1::text[]) GROUP BY log_id',
    [targets],
  );
  return new Map(r.rows.map((x) => [x.log_id, BigInt(x.seq)]));
}
