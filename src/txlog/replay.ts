import type pg from 'pg';
import { REPLAY_DB_BATCH, REPLAY_MODULE_BATCH } from '../constants.js';
import { fail } from '../errors.js';
import type { ModuleConnection } from '../module/index.js';
import { txlogRepo } from '../store/index.js';
import { decodeHeader, GENESIS_HASH } from './record.js';
import { applyRecords, type OpenedRecord } from './replay-apply.js';
import { decodeSegment, SEGMENT_KEY, type SegmentRecord } from './segment.js';
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

/**
 * Roll the database forward from a shipped log: for each module log, every record after the
 * database's own last record, in order, each opened and checked by a module, applied in batches
 * (each batch one transaction with its records, so an interrupted replay resumes where it
 * stopped). The shipped log must continue the database's chain exactly.
 */
export async function replayLog(db: pg.Client, module: ModuleConnection, source: ShipTarget, onProgress: (p: ReplayProgress) => void): Promise<ReplayReport> {
  const logs = await segmentsByLog(source);
  const replayed: Record<string, number> = {};
  const lastSeq: Record<string, string> = {};
  for (const [logId, segments] of logs) {
    const head = await txlogRepo.logHead(db, logId);
    const from = head ?? { seq: 0n, hash: GENESIS_HASH };
    const todo = segments.filter((s) => s.lastSeq > from.seq);
    const total = todo.reduce((n, s) => n + Number(s.lastSeq - (s.firstSeq > from.seq ? s.firstSeq - 1n : from.seq)), 0);
    let done = 0;
    let prev = from;
    let batch: { rec: SegmentRecord; signature: Buffer | null }[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await applyBatch(db, module, logId, batch);
      done += batch.length;
      onProgress({ logId, replayed: done, total });
      batch = [];
    };
    for (const s of todo) {
      const bytes = await source.get(s.key);
      if (!bytes) fail('log_record_invalid', `${source.name}: segment ${s.key} disappeared`);
      const seg = decodeSegment(bytes);
      for (const [i, rec] of seg.records.entries()) {
        const seq = BigInt(rec.seq);
        if (seq <= prev.seq) continue;
        const h = decodeHeader(Buffer.from(rec.header, 'hex'));
        if (!h || h.seq !== prev.seq + 1n || h.prevHash !== prev.hash) {
          fail('log_record_invalid', `${s.key} record ${rec.seq} does not continue the database's log ${logId} at #${prev.seq} (run \`vaultmeter audit verify\` on the log)`);
        }
        prev = { seq, hash: rec.hash };
        const last = i === seg.records.length - 1;
        batch.push({ rec, signature: last ? Buffer.from(seg.head.headSignature, 'hex') : null });
        if (batch.length >= REPLAY_DB_BATCH) await flush();
      }
    }
    await flush();
    replayed[logId] = done;
    lastSeq[logId] = prev.seq.toString();
  }
  return { replayed, lastSeq };
}

/** Open records with the module (a few hundred per call) and apply them in one transaction. */
async function applyBatch(db: pg.Client, module: ModuleConnection, logId: string, batch: readonly { rec: SegmentRecord; signature: Buffer | null }[]): Promise<void> {
  const opened: OpenedRecord[] = [];
  for (let i = 0; i < batch.length; i += REPLAY_MODULE_BATCH) {
    const part = batch.slice(i, i + REPLAY_MODULE_BATCH);
    const { bodies } = await module.call('openLog', { records: part.map(({ rec }) => ({ header: rec.header, body: rec.body, hash: rec.hash })) });
    part.forEach(({ rec, signature }, j) => {
      const headerBytes = Buffer.from(rec.header, 'hex');
      const header = decodeHeader(headerBytes)!;
      opened.push({
        header,
        body: bodies[j] as Record<string, any>,
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
      });
    });
  }
  await db.query('BEGIN');
  try {
    await applyRecords(db, opened);
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => {});
    throw e;
  }
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
export async function adoptShippedSegments(db: pg.Client, source: ShipTarget): Promise<number> {
  let adopted = 0;
  for (const [logId, segments] of await segmentsByLog(source)) {
    const head = await txlogRepo.logHead(db, logId);
    for (const s of segments) {
      if (!head || s.lastSeq > head.seq) break;
      const r = await db.query(
        `INSERT INTO postal.txlog_segments (log_id, first_seq, last_seq, object_key, records, bytes) VALUES ($1, $2, $3, $4, $5, 0)
         ON CONFLICT DO NOTHING`,
        [logId, s.firstSeq.toString(), s.lastSeq.toString(), s.key, Number(s.lastSeq - s.firstSeq + 1n)],
      );
      adopted += r.rowCount ?? 0;
      await txlogRepo.setShipped(db, source.name, logId, s.lastSeq);
    }
  }
  return adopted;
}
