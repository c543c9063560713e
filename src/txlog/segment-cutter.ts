import { SHIP_READ_BATCH } from '../constants.js';
import { txlogRepo, type Db, type LogRow } from '../store/index.js';
import { decodeHeader, encodeSegment, SEGMENT_FORMAT, segmentKey, type Segment } from '../ledger/index.js';

export interface CutPolicy {
  /** A segment closes once it holds this many records (at the newest signed head within them)… */
  readonly maxRecords: number;
  /** …or once its first record is this old (0: at every signed head, as `shipped` durability needs). */
  readonly maxAgeMs: number;
}

/**
 * Cut the next segment of a log, if one is due: the records after the last segment, up to the
 * newest signed head that the policy allows. The cut is recorded in postal.txlog_segments before
 * anything is uploaded, so a crash can only ever re-upload the very same bytes.
 */
export async function cutNextSegment(db: Db, logId: string, policy: CutPolicy, nowMs: number): Promise<txlogRepo.SegmentRow | null> {
  const last = await txlogRepo.lastSegment(db, logId);
  const after = last?.lastSeq ?? 0n;
  const rows = await txlogRepo.readLog(db, logId, after, Math.min(policy.maxRecords, SHIP_READ_BATCH));
  if (rows.length === 0) return null;
  const full = rows.length >= policy.maxRecords;
  const old = nowMs - rows[0]!.at.getTime() >= policy.maxAgeMs;
  if (!full && !old) return null;
  let end = rows.length - 1;
  while (end >= 0 && rows[end]!.headSignature === null) end--;
  if (end < 0) return null; // the batch's signed head is not committed yet (or lies beyond the read window)
  const taken = rows.slice(0, end + 1);
  const bytes = encodeSegment(segmentOf(logId, taken));
  const row = {
    logId,
    firstSeq: taken[0]!.seq,
    lastSeq: taken[end]!.seq,
    objectKey: segmentKey(logId, taken[0]!.seq, taken[end]!.seq),
    records: taken.length,
    bytes: BigInt(bytes.length),
  };
  await txlogRepo.insertSegment(db, row);
  return { ...row, createdAt: new Date(nowMs) };
}

/** The segment file for consecutive rows of one log ending at a signed head. */
export function segmentOf(logId: string, rows: readonly LogRow[]): Segment {
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const header = decodeHeader(first.header);
  if (!header) throw new Error(`log ${logId} record ${first.seq} has a malformed header`);
  if (!last.headSignature) throw new Error(`log ${logId} record ${last.seq} carries no signed head`);
  return {
    head: {
      format: SEGMENT_FORMAT,
      logId,
      firstSeq: first.seq.toString(),
      lastSeq: last.seq.toString(),
      prevHash: header.prevHash,
      headHash: last.hash.toString('hex'),
      headSignature: last.headSignature.toString('hex'),
      records: rows.length,
    },
    records: rows.map((r) => ({ seq: r.seq.toString(), hash: r.hash.toString('hex'), header: r.header.toString('hex'), body: r.body.toString('base64') })),
  };
}

/** The bytes of a segment already cut, rebuilt from the log (encoding is deterministic). */
export async function segmentBytes(db: Db, s: txlogRepo.SegmentRow): Promise<Buffer> {
  const rows = await txlogRepo.readLog(db, s.logId, s.firstSeq - 1n, s.records);
  if (rows.length !== s.records || rows[rows.length - 1]!.seq !== s.lastSeq) {
    throw new Error(`segment ${s.objectKey}: the log no longer holds records ${s.firstSeq}..${s.lastSeq}`);
  }
  return encodeSegment(segmentOf(s.logId, rows));
}
