import type pg from 'pg';
import { REPLAY_DB_BATCH, REPLAY_MODULE_BATCH, REPLAY_MODULE_BATCH_BYTES, REPLAY_PIPELINE_DEPTH } from '../constants.js';
import { fail } from '../errors.js';
import type { ModuleConnection } from '../module/index.js';
import { inClientTransaction, txlogRepo } from '../store/index.js';
import { decodeHeader, GENESIS_HASH, type LogHeader } from '../ledger/index.js';
import { applyRecords, type OpenedRecord } from './replay-apply.js';
import { decodeSegment, SEGMENT_KEY, type SegmentRecord } from '../ledger/index.js';
import type { ShipTarget } from './targets/index.js';

export interface ReplayProgress {
  readonly logId: string;
  readonly replayed: number;
  readonly total: number;
}

export interface ReplayReport {
  /** log id -> records replayed into the database in this run */
  readonly replayed: Record<string, number>;
  /** log id -> last sequence number in the database afterwards */
  readonly lastSeq: Record<string, string>;
}

interface Pending {
  readonly key: string;
  readonly firstSeq: bigint;
  readonly lastSeq: bigint;
}

/** One log's shipped records after the database's last one, read segment by segment, chain-checked. */
class LogCursor {
  private seg = 0;
  private records: readonly SegmentRecord[] = [];
  private signature: Buffer | null = null;
  private i = 0;
  next: { rec: SegmentRecord; header: LogHeader; headerBytes: Buffer; signature: Buffer | null } | null = null;
  replayed = 0;

  constructor(
    readonly logId: string,
    private readonly source: ShipTarget,
    private readonly segments: readonly Pending[],
    public prev: { seq: bigint; hash: string },
  ) {}

  /** Load the following record into `next` (null at the end of the log). */
  async advance(): Promise<void> {
    for (;;) {
      while (this.i < this.records.length) {
        const rec = this.records[this.i++]!;
        const seq = BigInt(rec.seq);
        if (seq <= this.prev.seq) continue;
        const headerBytes = Buffer.from(rec.header, 'hex');
        const h = decodeHeader(headerBytes);
        if (!h || h.seq !== this.prev.seq + 1n || h.prevHash !== this.prev.hash) {
          fail(
            'log_record_invalid',
            `log ${this.logId} record ${rec.seq} does not continue the database's log at #${this.prev.seq} (run \`vaultmeter audit verify\` on the log)`,
          );
        }
        this.prev = { seq, hash: rec.hash };
        this.next = { rec, header: h, headerBytes, signature: this.i === this.records.length ? this.signature : null };
        return;
      }
      const s = this.segments[this.seg++];
      if (!s) {
        this.next = null;
        return;
      }
      if (s.lastSeq <= this.prev.seq) continue;
      const bytes = await this.source.get(s.key);
      if (!bytes) fail('log_record_invalid', `${this.source.name}: segment ${s.key} disappeared`);
      const decoded = decodeSegment(bytes);
      this.records = decoded.records;
      this.signature = Buffer.from(decoded.head.headSignature, 'hex');
      this.i = 0;
    }
  }
}

/**
 * Roll the database forward from a shipped log: every record after the database's own last record
 * of each module log, each opened and checked by a module, applied in batches (each batch one
 * transaction with its records, so an interrupted replay resumes where it stopped). The module
 * logs are merged by time, so that a meter created in one log exists before another log's records
 * use it. Each log must continue the database's chain exactly.
 */
export async function replayLog(
  db: pg.ClientBase,
  modules: readonly ModuleConnection[],
  source: ShipTarget,
  onProgress: (p: ReplayProgress) => void,
): Promise<ReplayReport> {
  const cursors: LogCursor[] = [];
  let total = 0;
  for (const [logId, segments] of await segmentsByLog(source)) {
    const head = (await txlogRepo.logHead(db, logId)) ?? { seq: 0n, hash: GENESIS_HASH };
    const last = segments[segments.length - 1]?.lastSeq ?? 0n;
    if (last > head.seq) total += Number(last - head.seq);
    const c = new LogCursor(logId, source, segments, head);
    await c.advance();
    cursors.push(c);
  }
  let done = 0;
  let batch: Queued[] = [];
  // Pipelined: this process reads batch N+2 while the modules open batch N+1 and PostgreSQL applies
  // batch N. Batches are applied strictly in order; at most REPLAY_PIPELINE_DEPTH are in flight.
  let applied: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    const opening = openAll(modules, taken);
    opening.catch(() => {}); // surfaced through `applied`
    const previous = applied;
    applied = (async () => {
      const opened = await opening;
      await previous;
      await applyOpened(db, opened);
      done += opened.length;
      onProgress({ logId: 'all', replayed: done, total });
    })();
    inFlight.push(applied);
    if (inFlight.length >= REPLAY_PIPELINE_DEPTH) await inFlight.shift();
  };
  for (;;) {
    let pick: LogCursor | null = null;
    for (const c of cursors) if (c.next && (!pick || c.next.header.atMs < pick.next!.header.atMs)) pick = c;
    if (!pick) break;
    batch.push({ logId: pick.logId, ...pick.next! });
    pick.replayed++;
    await pick.advance();
    if (batch.length >= REPLAY_DB_BATCH) await flush();
  }
  await flush();
  await applied;
  return {
    replayed: Object.fromEntries(cursors.map((c) => [c.logId, c.replayed])),
    lastSeq: Object.fromEntries(cursors.map((c) => [c.logId, c.prev.seq.toString()])),
  };
}

interface Queued {
  readonly logId: string;
  readonly rec: SegmentRecord;
  readonly header: LogHeader;
  readonly headerBytes: Buffer;
  readonly signature: Buffer | null;
}

/** Cut a batch into module calls of at most REPLAY_MODULE_BATCH records and REPLAY_MODULE_BATCH_BYTES of records (a frame is bounded). */
function callParts(batch: readonly Queued[]): Queued[][] {
  const parts: Queued[][] = [];
  let part: Queued[] = [];
  let bytes = 0;
  for (const q of batch) {
    const size = q.rec.header.length + q.rec.body.length + q.rec.hash.length;
    if (part.length && (part.length >= REPLAY_MODULE_BATCH || bytes + size > REPLAY_MODULE_BATCH_BYTES)) {
      parts.push(part);
      [part, bytes] = [[], 0];
    }
    part.push(q);
    bytes += size;
  }
  if (part.length) parts.push(part);
  return parts;
}

/** Open a batch's records, a few hundred per call, spread over every module at once. */
async function openAll(modules: readonly ModuleConnection[], batch: readonly Queued[]): Promise<OpenedRecord[]> {
  const parts = callParts(batch);
  const opened = await Promise.all(
    parts.map(async (part, k) => {
      const { bodies } = await modules[k % modules.length]!.call('openLog', {
        records: part.map(({ logId, rec }) => ({ logId, header: rec.header, body: rec.body, hash: rec.hash })),
      });
      return part.map(({ logId, rec, header, headerBytes, signature }, j): OpenedRecord => {
        return {
          header,
          body: bodies[j] as Record<string, unknown>,
          row: {
            logId,
            seq: header.seq,
            atMs: header.atMs,
            type: header.type,
            meterId: header.meterId || null,
            versionAfter: header.versionAfter,
            hash: Buffer.from(rec.hash, 'hex'),
            header: headerBytes,
            body: Buffer.from(rec.body, 'base64'),
            headSignature: signature,
          },
        };
      });
    }),
  );
  return opened.flat();
}

/** Apply opened records in one transaction. */
async function applyOpened(db: pg.ClientBase, opened: readonly OpenedRecord[]): Promise<void> {
  // A replayed batch that is lost in a crash is simply replayed again (the shipped log still holds
  // it), and the checkpoints stored afterwards commit synchronously, which flushes it: no fsync wait.
  await inClientTransaction(db, () => applyRecords(db, opened), { asyncCommit: true });
}

/** The segments on a target, per log, in sequence order. */
async function segmentsByLog(source: ShipTarget): Promise<Map<string, Pending[]>> {
  const out = new Map<string, Pending[]>();
  for (const key of await source.list('logs/')) {
    const m = SEGMENT_KEY.exec(key);
    if (!m) continue;
    const list = out.get(m[1]!) ?? [];
    list.push({ key, firstSeq: BigInt(m[2]!), lastSeq: BigInt(m[3]!) });
    out.set(m[1]!, list);
  }
  for (const list of out.values()) list.sort((a, b) => (a.firstSeq < b.firstSeq ? -1 : 1));
  return out;
}

/**
 * After a replay: the segments already on the source become the database's own (cut and shipped
 * there), so the shipper continues after them instead of cutting the same records differently.
 */
export async function adoptShippedSegments(db: pg.ClientBase, source: ShipTarget): Promise<number> {
  let adopted = 0;
  for (const [logId, segments] of await segmentsByLog(source)) {
    const head = await txlogRepo.logHead(db, logId);
    for (const s of segments) {
      if (!head || s.lastSeq > head.seq) break;
      adopted += await txlogRepo.adoptSegment(db, { logId, firstSeq: s.firstSeq, lastSeq: s.lastSeq, objectKey: s.key });
      await txlogRepo.setShipped(db, source.name, logId, s.lastSeq);
    }
  }
  return adopted;
}
