import { MAX_BATCH_OPS } from '../constants.js';
import { isErrorCode, VaultError } from '../errors.js';
import type { CheckpointWire, ModuleConnection, PackageOp } from '../module/index.js';
import { deferredOf, deferWrites, discardDeferred, flushWrites, inTransaction, repo, type Db, type Tx } from '../store/index.js';
import { logRows } from './log-records.js';

/** One queued package op: how to build its module args, and what to write when it succeeds. */
export interface BatchedOp {
  readonly op: PackageOp;
  /** Ops with the same key (a meter) never share a batch: they would race on one package. */
  readonly key: string | null;
  readonly prepare: (tx: Tx) => Promise<Record<string, unknown>>;
  readonly commit: (tx: Tx, result: Record<string, unknown>) => Promise<unknown>;
}

interface Pending extends BatchedOp {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Settled {
  p: Pending;
  value?: unknown;
  error?: unknown;
}

/** Thrown to the other ops of a batch that one op's write aborted: they were not applied. */
export class BatchAborted extends Error {}

/**
 * Group commit for one module. Ops queue while the previous batch commits; the next batch takes up
 * to MAX_BATCH_OPS of them for distinct meters, in ONE database transaction: lock the module's
 * checkpoint row, read each package, one module dispatch, each op's writes, the batch checkpoint,
 * one commit. Answers are released only after that commit.
 */
export class ModuleBatcher {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly module: ModuleConnection,
    private readonly serial: string,
    private readonly storeCheckpoint: (tx: Tx, serial: string, wire: CheckpointWire) => Promise<void>,
    /** After the commit, before any answer leaves: e.g. wait until the batch's last log record is shipped. */
    private readonly afterCommit: (serial: string, lastLogSeq: bigint) => Promise<void> = async () => {},
  ) {}

  submit<R>(op: BatchedOp): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ ...op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.runBatch(this.take());
    } finally {
      this.running = false;
    }
  }

  /** Up to MAX_BATCH_OPS queued ops, first come first served, one per key. */
  private take(): Pending[] {
    const keys = new Set<string>();
    const batch: Pending[] = [];
    for (let i = 0; i < this.queue.length && batch.length < MAX_BATCH_OPS; ) {
      const p = this.queue[i]!;
      if (p.key !== null && keys.has(p.key)) {
        i++;
        continue;
      }
      if (p.key !== null) keys.add(p.key);
      batch.push(p);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async runBatch(all: Pending[]): Promise<void> {
    let batch = all;
    const settled: Settled[] = [];
    let lastLogSeq: bigint | null = null;
    try {
      await inTransaction(this.db, async (tx) => {
        const row = await repo.lockCheckpoint(tx, this.serial);
        // Checked once per batch, inside its transaction: a halt stops the very next batch.
        const system = await repo.systemState(tx);
        if (system.halted) {
          // A halt stops meter commands; operator actions (log ops) still run: they are how a halt is cleared.
          const why = new VaultError('system_halted', `meter commands are halted since ${system.haltedAt?.toISOString()}: ${system.haltReason}`);
          for (const p of batch) if (p.op !== 'log') settled.push({ p, error: why });
          batch = batch.filter((p) => p.op === 'log');
          if (batch.length === 0) return;
        }
        const checkpoint = row ? { record: row.record.toString('hex'), mac: row.mac.toString('hex') } : null;
        deferWrites(tx);
        let next: CheckpointWire | null;
        try {
          const ran = await this.runInTransaction(tx, batch, checkpoint, settled);
          next = ran.checkpoint;
          lastLogSeq = ran.lastLogSeq;
        } finally {
          discardDeferred(tx);
        }
        if (next) await this.storeCheckpoint(tx, this.serial, next);
      });
    } catch (e) {
      lastLogSeq = null;
      // The transaction did not commit: every op that had not failed on its own fails with this error.
      const decided = new Set(settled.map((s) => s.p));
      for (const p of all) if (!decided.has(p)) settled.push({ p, error: e });
      for (const s of settled) if (s.error === undefined) s.error = e;
    }
    const release = () => {
      for (const s of settled) (s.error === undefined ? s.p.resolve(s.value) : s.p.reject(s.error));
    };
    if (lastLogSeq === null) return release();
    // Committed: the answers wait for the durability level (e.g. shipped), while the next batch goes on.
    void this.afterCommit(this.serial, lastLogSeq).then(release, (e: unknown) => {
      for (const s of settled) if (s.error === undefined) s.error = e;
      release();
    });
  }

  /** Everything of one batch inside its transaction; returns the checkpoint to store (null: no op reached the module). */
  private async runInTransaction(
    tx: Tx,
    batch: Pending[],
    checkpoint: CheckpointWire | null,
    settled: Settled[],
  ): Promise<{ checkpoint: CheckpointWire | null; lastLogSeq: bigint | null }> {
    await repo.preloadMeters(tx, batch.map((p) => p.key).filter((k): k is string => k !== null));
    const ready: { p: Pending; args: Record<string, unknown> }[] = [];
    for (const p of batch) {
      try {
        ready.push({ p, args: await p.prepare(tx) });
      } catch (e) {
        settled.push({ p, error: e });
      }
    }
    if (ready.length === 0) return { checkpoint: null, lastLogSeq: null };
    const res = await this.module.call('batch', { checkpoint, ops: ready.map((r) => ({ op: r.p.op, args: r.args })) });
    // Every op the module carried out has its log record; they commit with the batch or not at all.
    const records = logRows(this.serial, res.results.flatMap((out) => (out.ok ? [out.logRecord] : [])), res.logHead);
    deferredOf(tx)!.records.push(...records);
    for (const [i, r] of ready.entries()) {
      const out = res.results[i]!;
      if (!out.ok) {
        const code = isErrorCode(out.error.code) ? out.error.code : 'internal';
        settled.push({ p: r.p, error: new VaultError(code, out.error.message, out.error.extra ?? {}) });
        continue;
      }
      try {
        settled.push({ p: r.p, value: await r.p.commit(tx, { ...out.result, checkpoint: res.checkpoint }) });
      } catch (e) {
        // One op's writes failed: nothing of this batch is applied. It gets its own error, the others retry.
        for (const s of settled) if (s.error === undefined) s.error = new BatchAborted('the batch was aborted');
        settled.push({ p: r.p, error: e });
        for (const rest of ready.slice(i + 1)) settled.push({ p: rest.p, error: new BatchAborted('the batch was aborted') });
        throw new BatchAborted('a write in the batch failed');
      }
    }
    try {
      await flushWrites(tx);
    } catch (e) {
      // A clash inside the batch (a package or an Idempotency-Key written concurrently): nothing applies, all retry.
      if (e instanceof VaultError && e.code === 'conflict') throw new BatchAborted(e.message);
      throw e;
    }
    return { checkpoint: res.checkpoint, lastLogSeq: records.length ? records[records.length - 1]!.seq : null };
  }
}
