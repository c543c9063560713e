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

export interface LogRecordWrite {
  logId: string;
  seq: bigint;
  atMs: number;
  type: string;
  meterId: string | null;
  versionAfter: bigint;
  hash: Buffer;
  header: Buffer;
  body: Buffer;
  headSignature: Buffer | null;
}

export interface Deferred {
  packages: PackageWrite[];
  items: ItemWrite[];
  answers: IdempotentWrite[];
  records: LogRecordWrite[];
}

const deferred = new WeakMap<object, Deferred>();
const preloaded = new WeakMap<object, Map<string, unknown>>();

/** From now on, this transaction's hot-path writes wait for `flushWrites`. */
export function deferWrites(tx: Tx): void {
  deferred.set(tx, { packages: [], items: [], answers: [], records: [] });
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
  if (d.records.length) await insertLogRecords(tx, d.records);
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

/**
 * Many byte strings as ONE bytea parameter plus offsets: node-postgres sends a Buffer parameter as
 * raw binary, but an array of Buffers as escaped hex text that PostgreSQL must parse element by
 * element. Cutting one blob apart with substring() on the server is several times cheaper.
 */
export function packBytes(parts: readonly Buffer[]): { blob: Buffer; starts: number[]; lengths: number[] } {
  const starts: number[] = [];
  const lengths: number[] = [];
  let at = 1; // substring() counts from 1
  for (const p of parts) {
    starts.push(at);
    lengths.push(p.length);
    at += p.length;
  }
  return { blob: Buffer.concat(parts as Buffer[]), starts, lengths };
}

/** Append log records (one multi-row INSERT); a clash on (log_id, seq) means two writers forked a log. */
export async function insertLogRecords(tx: Pick<Tx, 'query'>, r: readonly LogRecordWrite[]): Promise<void> {
  const headers = packBytes(r.map((x) => x.header));
  const bodies = packBytes(r.map((x) => x.body));
  await tx.query(
    `INSERT INTO postal.txlog (log_id, seq, at, type, meter_id, version_after, hash, header, body, head_signature)
     SELECT log_id, seq, to_timestamp(at_ms / 1000.0), type, meter_id, version_after, decode(hash, 'hex'),
            substring($7::bytea FROM h_start FOR h_len), substring($8::bytea FROM b_start FOR b_len), decode(NULLIF(sig, ''), 'hex')
     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::uuid[], $6::bigint[], $9::text[], $10::int[], $11::int[], $12::int[], $13::int[], $14::text[])
       AS v(log_id, seq, at_ms, type, meter_id, version_after, hash, h_start, h_len, b_start, b_len, sig)`,
    [
      r.map((x) => x.logId),
      r.map((x) => x.seq.toString()),
      r.map((x) => String(x.atMs)),
      r.map((x) => x.type),
      r.map((x) => x.meterId),
      r.map((x) => x.versionAfter.toString()),
      headers.blob,
      bodies.blob,
      r.map((x) => x.hash.toString('hex')),
      headers.starts,
      headers.lengths,
      bodies.starts,
      bodies.lengths,
      r.map((x) => x.headSignature?.toString('hex') ?? ''),
    ],
  );
}
