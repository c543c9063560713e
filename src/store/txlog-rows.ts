import type { SqlRunner } from './query.js';

/** A log record row, as the API server stores it with its batch (and replay stores it again). */
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
export async function insertLogRecords(tx: SqlRunner, r: readonly LogRecordWrite[]): Promise<void> {
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
