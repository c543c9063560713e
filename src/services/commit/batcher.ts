import { MAX_BATCH_OPS } from '../../constants.js';
import { isErrorCode, VaultError } from '../../errors.js';
import { effectsOf } from '../../ledger/index.js';
import type { BatchItemResult, CheckpointWire, ModuleConnection } from '../../module/index.js';
import { applyEffect, BatchWriter, inTransaction, repo, type Db, type LogRecordWrite, type Tx } from '../../store/index.js';
import type { AnyCommand, BatchScope } from './command.js';
import { logRows } from './log-rows.js';

interface Pending {
  readonly command: AnyCommand;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Settled {
  p: Pending;
  value?: unknown;
  error?: unknown;
}

/** What a committed batch left: the module's checkpoint and its last log record. */
interface Committed {
  readonly checkpoint: CheckpointWire;
  readonly lastLogSeq: bigint;
}

/** Thrown to the other ops of a batch that one op's write aborted: they were not applied. */
export class BatchAborted extends Error {}

/**
 * Group commit for one module. Commands queue while the previous batch commits; the next batch
 * takes up to MAX_BATCH_OPS of them with distinct keys, in ONE database transaction: lock the
 * module's checkpoint row, read the meters, one module dispatch, the ledger effects of every op
 * that succeeded (one applier, as replay uses), each op's answer, the batch checkpoint, one
 * commit. Answers are released only after that commit.
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
    /** Told the number of ops of every batch dispatched to the module (the batch size metric). */
    private readonly onDispatch: (ops: number) => void = () => {},
  ) {}

  submit<R>(command: AnyCommand): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ command, resolve: resolve as (v: unknown) => void, reject });
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

  /** Up to MAX_BATCH_OPS queued commands, first come first served, one per key. */
  private take(): Pending[] {
    const keys = new Set<string>();
    const batch: Pending[] = [];
    for (let i = 0; i < this.queue.length && batch.length < MAX_BATCH_OPS;) {
      const key = this.queue[i]!.command.key;
      if (key !== null && keys.has(key)) {
        i++;
        continue;
      }
      if (key !== null) keys.add(key);
      batch.push(this.queue.splice(i, 1)[0]!);
    }
    return batch;
  }

  private async runBatch(all: Pending[]): Promise<void> {
    const settled: Settled[] = [];
    let committed: Committed | null;
    try {
      committed = await inTransaction(this.db, (tx) => this.inTransaction(tx, all, settled));
    } catch (e) {
      committed = null;
      // The transaction did not commit: every op that had not failed on its own fails with this error.
      const decided = new Set(settled.map((s) => s.p));
      for (const p of all) if (!decided.has(p)) settled.push({ p, error: e });
      for (const s of settled) if (s.error === undefined) s.error = e;
    }
    const release = () => {
      for (const s of settled) {
        if (s.error === undefined) s.p.resolve(s.value);
        else s.p.reject(s.error);
      }
    };
    if (committed === null) return release();
    // Committed: the module learns it before any answer leaves (from then on it never discards the
    // batch), and the answers wait for the durability level (e.g. shipped), while the next batch goes on.
    const confirmed = this.module.call('confirm', { checkpoint: committed.checkpoint }).then(
      () => {},
      () => {}, // a module that died keeps the records in its journal; only its confirmation is late
    );
    void Promise.all([confirmed, this.afterCommit(this.serial, committed.lastLogSeq)]).then(release, (e: unknown) => {
      for (const s of settled) if (s.error === undefined) s.error = e;
      release();
    });
  }

  /** One batch inside its transaction; returns where it left the log and the checkpoint (null: nothing reached the log). */
  private async inTransaction(tx: Tx, all: Pending[], settled: Settled[]): Promise<Committed | null> {
    const row = await repo.lockCheckpoint(tx, this.serial);
    // Checked once per batch, inside its transaction: a halt stops the very next batch.
    const batch = await this.notHalted(tx, all, settled);
    if (batch.length === 0) return null;
    const checkpoint = row ? { record: row.record.toString('hex'), mac: row.mac.toString('hex') } : null;
    const meterIds = batch.flatMap((p) => (p.command.meterId ? [p.command.meterId] : []));
    const scope: BatchScope = { tx, meters: await repo.getMeters(tx, meterIds), writer: new BatchWriter('live') };
    const ran = await this.dispatch(scope, refuseStale(scope, batch, settled), checkpoint, settled);
    if (ran.checkpoint) await this.storeCheckpoint(tx, this.serial, ran.checkpoint);
    return ran.checkpoint && ran.lastLogSeq !== null ? { checkpoint: ran.checkpoint, lastLogSeq: ran.lastLogSeq } : null;
  }

  /** A halt stops meter commands; log ops (operator actions) still run: they are how a halt is cleared. */
  private async notHalted(tx: Tx, batch: Pending[], settled: Settled[]): Promise<Pending[]> {
    const system = await repo.systemState(tx);
    if (!system.halted) return batch;
    const why = new VaultError('system_halted', `meter commands are halted since ${system.haltedAt?.toISOString()}: ${system.haltReason}`);
    for (const p of batch) if (p.command.op !== 'log') settled.push({ p, error: why });
    return batch.filter((p) => p.command.op === 'log');
  }

  private async dispatch(
    scope: BatchScope,
    batch: Pending[],
    checkpoint: CheckpointWire | null,
    settled: Settled[],
  ): Promise<{ checkpoint: CheckpointWire | null; lastLogSeq: bigint | null }> {
    const ready: { p: Pending; args: Record<string, unknown> }[] = [];
    for (const p of batch) {
      try {
        ready.push({ p, args: (await p.command.prepare(scope)) as Record<string, unknown> });
      } catch (e) {
        settled.push({ p, error: e });
      }
    }
    if (ready.length === 0) return { checkpoint: null, lastLogSeq: null };
    this.onDispatch(ready.length);
    const res = await this.module.call('batch', { checkpoint, ops: ready.map((r) => ({ op: r.p.command.op, args: r.args })) });
    // Every op the module carried out has its log record; they commit with the batch or not at all.
    const records = logRows(
      this.serial,
      res.results.flatMap((out) => (out.ok ? [out.logRecord] : [])),
      res.logHead,
    );
    scope.writer.records.push(...records);
    let next = 0;
    for (const [i, r] of ready.entries()) {
      const out = res.results[i]!;
      if (!out.ok) {
        settled.push({ p: r.p, error: moduleError(out) });
        continue;
      }
      await this.settleOne(scope, r, out.result, records[next++]!, settled, ready.slice(i + 1));
    }
    await this.flush(scope);
    return { checkpoint: res.checkpoint, lastLogSeq: records.length ? records[records.length - 1]!.seq : null };
  }

  /** The op's ledger effects (as its record carries them), then its answer. */
  private async settleOne(
    scope: BatchScope,
    r: { p: Pending; args: Record<string, unknown> },
    result: Record<string, unknown>,
    record: LogRecordWrite,
    settled: Settled[],
    rest: readonly { p: Pending }[],
  ): Promise<void> {
    const { command } = r.p;
    try {
      for (const effect of effectsOf(command.op, r.args, result)) applyEffect(scope.writer, effect, { atMs: record.atMs });
      settled.push({ p: r.p, value: await command.answer(scope, result as never, r.args as never) });
    } catch (e) {
      // One op's answer failed: nothing of this batch is applied. It gets its own error, the others retry.
      for (const s of settled) if (s.error === undefined) s.error = new BatchAborted('the batch was aborted');
      settled.push({ p: r.p, error: e });
      for (const other of rest) settled.push({ p: other.p, error: new BatchAborted('the batch was aborted') });
      throw new BatchAborted('an answer in the batch failed');
    }
  }

  private async flush(scope: BatchScope): Promise<void> {
    try {
      await scope.writer.flush(scope.tx);
    } catch (e) {
      // A clash inside the batch (a package or an Idempotency-Key written concurrently): nothing applies, all retry.
      if (e instanceof VaultError && e.code === 'conflict') throw new BatchAborted(e.message);
      throw e;
    }
  }
}

/** Commands on a meter whose package row is older than the log shows it reached: refused, never sent to a module. */
function refuseStale(scope: BatchScope, batch: Pending[], settled: Settled[]): Pending[] {
  return batch.filter((p) => {
    const row = p.command.meterId ? scope.meters.get(p.command.meterId) : undefined;
    if (!row || row.loggedVersion === null || row.loggedVersion === undefined || BigInt(row.loggedVersion) <= BigInt(row.packageVersion)) return true;
    const error = new VaultError(
      'package_stale',
      `meter ${row.meterId}: the stored package is version ${row.packageVersion}; the log shows version ${row.loggedVersion}`,
      {
        meterId: row.meterId,
        version: String(row.packageVersion),
        knownVersion: String(row.loggedVersion),
      },
    );
    settled.push({ p, error });
    return false;
  });
}

function moduleError(out: Extract<BatchItemResult, { ok: false }>): VaultError {
  const code = isErrorCode(out.error.code) ? out.error.code : 'internal';
  return new VaultError(code, out.error.message, out.error.extra ?? {});
}
