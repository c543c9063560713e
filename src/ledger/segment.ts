import { GENESIS_HASH } from './record.js';

// A shipped segment: a run of consecutive records of one log, ending at a head the module signed.
// The file is JSON Lines: the segment head first, then one line per record, in sequence order.
// Everything in it is public; the bodies are sealed.

export const SEGMENT_FORMAT = 'vaultmeter-txlog-segment/1';

export interface SegmentHead {
  readonly format: typeof SEGMENT_FORMAT;
  readonly logId: string;
  readonly firstSeq: string;
  readonly lastSeq: string;
  /** hash of the record before firstSeq (GENESIS_HASH when firstSeq is 1) */
  readonly prevHash: string;
  /** hash of record lastSeq: the signed head */
  readonly headHash: string;
  /** hex DER ECDSA by the module `logId` over headMessage({logId, seq: lastSeq, hash: headHash}) */
  readonly headSignature: string;
  readonly records: number;
}

export interface SegmentRecord {
  readonly seq: string;
  readonly hash: string;
  /** hex canonical header */
  readonly header: string;
  /** base64 sealed body */
  readonly body: string;
}

export interface Segment {
  readonly head: SegmentHead;
  readonly records: readonly SegmentRecord[];
}

const pad = (n: bigint | string) => n.toString().padStart(20, '0');

/** Object key of a segment: sorts by log, then by first sequence number. */
export function segmentKey(logId: string, firstSeq: bigint, lastSeq: bigint): string {
  return `logs/${logId}/${pad(firstSeq)}-${pad(lastSeq)}.seg`;
}

export const SEGMENT_KEY = /^logs\/([^/]+)\/(\d{20})-(\d{20})\.seg$/;

export function encodeSegment(s: Segment): Buffer {
  const lines = [JSON.stringify(s.head), ...s.records.map((r) => JSON.stringify({ seq: r.seq, hash: r.hash, header: r.header, body: r.body }))];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

export class SegmentFormatError extends Error {
  constructor(
    message: string,
    /** 1-based line of the file where the problem is */
    readonly line: number,
  ) {
    super(message);
  }
}

/** Parse a segment file; structure only (hashes and signatures are the verifier's job). */
export function decodeSegment(bytes: Buffer): Segment {
  const text = bytes.toString('utf8');
  if (!text.endsWith('\n')) throw new SegmentFormatError('the segment is truncated (no final newline)', text.split('\n').length);
  const lines = text.slice(0, -1).split('\n');
  const head = parseLine(lines[0]!, 1) as unknown as SegmentHead;
  if (head.format !== SEGMENT_FORMAT) throw new SegmentFormatError(`not a ${SEGMENT_FORMAT} file`, 1);
  for (const f of ['logId', 'firstSeq', 'lastSeq', 'prevHash', 'headHash', 'headSignature'] as const) {
    if (typeof head[f] !== 'string') throw new SegmentFormatError(`the segment head lacks ${f}`, 1);
  }
  if (!/^\d{1,19}$/.test(head.firstSeq) || !/^\d{1,19}$/.test(head.lastSeq)) throw new SegmentFormatError('bad sequence numbers in the segment head', 1);
  const records = lines.slice(1).map((l, i) => {
    const r = parseLine(l, i + 2);
    for (const f of ['seq', 'hash', 'header', 'body']) {
      if (typeof r[f] !== 'string') throw new SegmentFormatError(`record lacks ${f}`, i + 2);
    }
    return r as unknown as SegmentRecord;
  });
  if (records.length !== head.records) {
    throw new SegmentFormatError(`the head announces ${head.records} records, the file holds ${records.length}`, lines.length);
  }
  return { head, records };
}

function parseLine(line: string, n: number): Record<string, unknown> {
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SegmentFormatError('not a JSON object', n);
}

export { GENESIS_HASH };
