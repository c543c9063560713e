import { VaultError } from '../errors.js';
import type { Tx } from './db.js';

// Group commit's write-behind: inside a batch transaction the hot-path writes (new packages, items,
// idempotent answers) are collected and sent as one multi-row statement each, instead of one round
// trip per command. Round trips per commit are the biggest lever (../shared/STACK.md).

interface PackageWrite {
  meterId: string;
  fromVersion: bigint;
  pkg: Buffer;
  toVersion: bigint;
}
interface ItemWrite {
  itemId: string;
  meterId: string;
  itemSerial: bigint;
  kind: string;
  amountMills: bigint;
  itemBytes: Buffer;
}
interface IdempotentWrite {
  scope: string;
  key: string;
  requestSha256: Buffer;
  statusCode: number;
  response: string;
}

export interface Deferred {
  packages: PackageWrite[];
  items: ItemWrite[];
  answers: IdempotentWrite[];
}

const deferred = new WeakMap<object, Deferred>();
const preloaded = new WeakMap<object, Map<string, unknown>>();

/** From now on, this transaction's hot-path writes wait for `flushWrites`. */
export function deferWrites(tx: Tx): void {
  deferred.set(tx, { packages: [], items: [], answers: [] });
}

export function deferredOf(q: object): Deferred | undefined {
  return deferred.get(q);
}

/** Rows read once for the whole batch (one SELECT), served to each command's reads. */
export function setPreloaded(tx: Tx, rows: Map<string, unknown>): void {
  preloaded.set(tx, rows);
}

export function preloadedOf(q: object): Map<string, unknown> | undefined {
  return preloaded.get(q);
}

/** Forget anything collected: a pooled connection must never carry one batch's state into the next use. */
export function discardDeferred(tx: Tx): void {
  deferred.delete(tx);
  preloaded.delete(tx);
}

/** Send the collected writes; a package written concurrently, or a reused key, aborts the batch. */
export async function flushWrites(tx: Tx): Promise<void> {
  const d = deferred.get(tx);
  deferred.delete(tx);
  preloaded.delete(tx);
  if (!d) return;
  if (d.packages.length) {
    const p = d.packages;
    const r = await tx.query(
      `UPDATE postal.meters m SET package = v.pkg, package_version = v.to_version, updated_at = now()
       FROM unnest($1::uuid[], $2::bigint[], $3::bytea[], $4::bigint[]) AS v(meter_id, from_version, pkg, to_version)
       WHERE m.meter_id = v.meter_id AND m.package_version = v.from_version`,
      [p.map((x) => x.meterId), p.map((x) => x.fromVersion.toString()), p.map((x) => x.pkg), p.map((x) => x.toVersion.toString())],
    );
    if (r.rowCount !== p.length) throw new VaultError('conflict', 'a meter changed concurrently; the batch was not applied');
  }
  if (d.items.length) {
    const i = d.items;
    await tx.query(
      `INSERT INTO postal.items (item_id, meter_id, item_serial, kind, amount_mills, item_bytes)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[], $6::bytea[])`,
      [i.map((x) => x.itemId), i.map((x) => x.meterId), i.map((x) => x.itemSerial.toString()), i.map((x) => x.kind), i.map((x) => x.amountMills.toString()), i.map((x) => x.itemBytes)],
    );
  }
  if (d.answers.length) {
    const a = d.answers;
    const r = await tx.query(
      `INSERT INTO postal.idempotency (scope, idem_key, request_sha256, status_code, response)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::jsonb[]) ON CONFLICT DO NOTHING`,
      [a.map((x) => x.scope), a.map((x) => x.key), a.map((x) => x.requestSha256), a.map((x) => x.statusCode), a.map((x) => x.response)],
    );
    if (r.rowCount !== a.length) throw new VaultError('conflict', 'a concurrent request with the same Idempotency-Key won');
  }
}
