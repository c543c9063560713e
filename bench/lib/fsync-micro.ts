import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RING_SIZE } from '../../src/constants.js';
import { keyVersions } from '../../src/crypto/index.js';
import { chainRecords, GENESIS_HASH, type ChainedRecord, type RecordDraft } from '../../src/ledger/index.js';
import { Journal } from '../../src/module/journal.js';
import { Ring, type LogPosition, type RingEffect } from '../../src/module/ring.js';
import { SoftwareCheckpointKeys, SoftwareLogKeys } from '../../src/module/software-crypto.js';
import { percentile } from './driver.js';

const SERIAL = 'M-BENCH';

export interface MicroOptions {
  /** Timed calls of each write. */
  readonly calls: number;
  /** Records (and ring transactions) per batch. */
  readonly batch: number;
  /** Padding in each record's body, so that a journal line is about as long as a live print record's. */
  readonly bodyBytes: number;
  /** Untimed calls first (the files are created, the page cache warms). */
  readonly warmup: number;
}

export interface Timing {
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export interface MicroResult extends MicroOptions {
  readonly dir: string;
  readonly journal: Timing;
  readonly ring: Timing;
  /** journal ÷ ring, of the means and of the medians. */
  readonly ratio: { mean: number; p50: number };
  readonly journalLineBytes: number;
  readonly ringFileBytes: number;
}

/** One batch as the guard makes it: `batch` print records for distinct meters, chained after `head`, and the ring's view of them. */
async function nextBatch(
  keys: SoftwareLogKeys,
  head: LogPosition,
  round: number,
  o: MicroOptions,
): Promise<{ records: ChainedRecord[]; effects: RingEffect[]; head: LogPosition; atMs: number }> {
  const atMs = Date.now();
  const v = BigInt(round);
  const meters = Array.from({ length: o.batch }, (_, k) => `00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`);
  const drafts: RecordDraft[] = meters.map((meterId) => ({
    type: 'print',
    meterId,
    versionBefore: v,
    versionAfter: v + 1n,
    arBeforeMills: v,
    drBeforeMills: 10_000_000n - v,
    arAfterMills: v + 1n,
    drAfterMills: 10_000_000n - v - 1n,
    body: { op: 'print', pad: 'x'.repeat(o.bodyBytes) },
  }));
  const chained = await chainRecords(keys, SERIAL, head, atMs, drafts);
  const effects: RingEffect[] = meters.map((meterId) => ({
    meterId,
    type: 'print',
    amountMills: 1n,
    arMills: v + 1n,
    drMills: 10_000_000n - v - 1n,
    packageVersion: v + 1n,
  }));
  return { records: chained.records, effects, head: { seq: chained.head.seq, hash: chained.head.hash }, atMs };
}

function timing(us: number[]): Timing {
  const s = [...us].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n);
  return {
    meanUs: r(s.reduce((a, b) => a + b, 0) / s.length),
    p50Us: r(percentile(s, 50)),
    p90Us: r(percentile(s, 90)),
    p99Us: r(percentile(s, 99)),
    maxUs: r(s[s.length - 1]!),
  };
}

/**
 * The journal's write against the ring's, in one process on one disk (the temporary directory), as
 * the guard does them for each batch: `Journal.append` (one write, one fdatasync), then
 * `Ring.appendBatch` (a temporary file written and fsynced, renamed, the directory fsynced). Each
 * batch is made (chained and sealed) before the clock starts.
 */
export async function journalVsRing(o: MicroOptions, log: (m: string) => void): Promise<MicroResult> {
  const dir = await mkdtemp(join(tmpdir(), 'vmjournal-micro-'));
  const keys = new SoftwareLogKeys(keyVersions(new Map([[1, randomBytes(32)]])));
  let head: LogPosition = { seq: 0n, hash: GENESIS_HASH };
  const journal = await Journal.load(join(dir, 'module-1.ring.journal'), SERIAL, head);
  try {
    const ring = await Ring.load(join(dir, 'module-1.ring'), new SoftwareCheckpointKeys(randomBytes(32), SERIAL), SERIAL, DEFAULT_RING_SIZE, Date.now());
    const j: number[] = [];
    const g: number[] = [];
    for (let i = 0; i < o.warmup + o.calls; i++) {
      const b = await nextBatch(keys, head, i, o);
      const t0 = performance.now();
      await journal.append(b.records);
      const t1 = performance.now();
      await ring.appendBatch(b.effects, b.atMs, b.head);
      const t2 = performance.now();
      head = b.head;
      if (i < o.warmup) continue;
      j.push((t1 - t0) * 1000);
      g.push((t2 - t1) * 1000);
      if ((i + 1 - o.warmup) % 100 === 0) log(`  ${i + 1 - o.warmup}/${o.calls} batches`);
    }
    const jt = timing(j);
    const rt = timing(g);
    const ratio = { mean: Number((jt.meanUs / rt.meanUs).toFixed(3)), p50: Number((jt.p50Us / rt.p50Us).toFixed(3)) };
    const ringFileBytes = (await stat(join(dir, 'module-1.ring'))).size;
    return { ...o, dir: tmpdir(), journal: jt, ring: rt, ratio, journalLineBytes: Math.round(journal.bytes / journal.records), ringFileBytes };
  } finally {
    await journal.close();
    await rm(dir, { recursive: true, force: true });
  }
}
