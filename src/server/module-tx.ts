import { MODULE_ATTEMPTS } from '../constants.js';
import { fail, VaultError } from '../errors.js';
import { decodeCheckpointRecord, type CheckpointWire, type ModuleConnection, type ModuleOps, type PackageOp, type SealedRef } from '../module/index.js';
import { inTransaction, repo, txlogRepo, type Tx } from '../store/index.js';
import { rollForward } from './roll-forward.js';
import { BatchAborted, ModuleBatcher } from './module-batcher.js';
import { savePackage, sealedRef } from './packages.js';
import type { ServerContext } from './context.js';

type Args<K extends PackageOp> = Omit<ModuleOps[K][0], 'checkpoint'>;
type Result<K extends PackageOp> = ModuleOps[K][1];

const toWire = (row: repo.CheckpointRow | null): CheckpointWire | null =>
  row ? { record: row.record.toString('hex'), mac: row.mac.toString('hex') } : null;

const batchers = new WeakMap<ModuleConnection, ModuleBatcher>();

function batcherOf(ctx: ServerContext, m: ModuleConnection): ModuleBatcher {
  let b = batchers.get(m);
  if (!b) {
    const shipped = ctx.shipped;
    const afterCommit = shipped ? (serial: string, seq: bigint) => shipped.wait(serial, seq) : undefined;
    b = new ModuleBatcher(ctx.db, m, ctx.modules.serialOf(m), storeCheckpoint, afterCommit);
    batchers.set(m, b);
  }
  return b;
}

/**
 * One package-writing module call, checkpointed (the patent's cross-verification) and group-committed:
 * the op joins the module's next batch, which in one database transaction locks the module's row,
 * hands the module its stored checkpoint, stores the module's new checkpoint and commits it together
 * with every op's `commit` writes. Nothing the module produced is released before that commit. A
 * checkpoint mismatch triggers auto-recovery, then another try; an inhibited or unreachable module
 * is skipped for another; an op whose batch was aborted by another op's failed write is retried.
 */
export async function onModule<K extends PackageOp, R>(
  ctx: ServerContext,
  op: K,
  prepare: (tx: Tx) => Promise<Args<K>>,
  commit: (tx: Tx, result: Result<K>) => Promise<R>,
  key: string | null = null,
): Promise<R> {
  const failed = new Set<ModuleConnection>();
  let lastError: unknown = null;
  for (let attempt = 0; attempt < MODULE_ATTEMPTS; attempt++) {
    const m = await pickModule(ctx, failed);
    const serial = ctx.modules.serialOf(m);
    try {
      return await batcherOf(ctx, m).submit<R>({
        op,
        key,
        prepare: async (tx) => (await prepare(tx)) as Record<string, unknown>,
        commit: async (tx, result) => commit(tx, result as unknown as Result<K>),
      });
    } catch (e) {
      lastError = e;
      if (e instanceof BatchAborted) continue;
      if (!(e instanceof VaultError) || e.code === 'system_halted') throw e;
      if (e.code === 'checkpoint_mismatch') await recoverModule(ctx, m);
      else if (e.code === 'module_inhibited') await markInhibited(ctx, serial, e.message);
      else if (e.code === 'module_unavailable') failed.add(m);
      else throw e;
      await assertNotHalted(ctx);
    }
  }
  // Aborted again and again by other commands' clashes: say so as a retryable conflict.
  if (lastError instanceof BatchAborted) throw new VaultError('conflict', 'the command kept colliding with concurrent ones; retry');
  throw lastError;
}

/** The next module in service; with none left, say why: the halt, when there is one. */
async function pickModule(ctx: ServerContext, failed: ReadonlySet<ModuleConnection>): Promise<ModuleConnection> {
  try {
    return ctx.modules.pick(failed);
  } catch (e) {
    await assertNotHalted(ctx);
    throw e;
  }
}

async function storeCheckpoint(tx: Tx, serial: string, wire: CheckpointWire): Promise<void> {
  const record = Buffer.from(wire.record, 'hex');
  const c = decodeCheckpointRecord(record);
  if (!c) fail('internal', 'the module returned a malformed checkpoint');
  await repo.storeCheckpoint(tx, serial, { record, mac: Buffer.from(wire.mac, 'hex'), seq: c.seq, at: new Date(c.atMs), type: c.type, valueMills: c.amountMills });
}

export async function assertNotHalted(ctx: ServerContext): Promise<void> {
  const s = await repo.systemState(ctx.db);
  if (s.halted) fail('system_halted', `meter commands are halted since ${s.haltedAt?.toISOString()}: ${s.haltReason}`);
}

/**
 * "Auto-recover checkpoint": give the module the database's checkpoint. Within its ring, the module
 * rolls back to it and we record every discarded transaction; beyond it, the module is inhibited,
 * and enough inhibited modules halt the system.
 */
export async function recoverModule(ctx: ServerContext, m: ModuleConnection): Promise<void> {
  const serial = ctx.modules.serialOf(m);
  let discarded: readonly Record<string, unknown>[] | null = null;
  // What the modules hold beyond the database may be in the shipped log (a failover to a standby
  // that missed the last commits): roll those records forward first, and discard nothing shipped.
  await rollForward(ctx);
  try {
    await inTransaction(ctx.db, async (tx) => {
      const checkpoint = toWire(await repo.lockCheckpoint(tx, serial));
      const head = await txlogRepo.logHead(tx, serial);
      const r = await m.call('recover', { checkpoint, ...(head ? { log: { seq: head.seq.toString(), hash: head.hash } } : {}) });
      if (r.outcome === 'rolled_forward' && r.checkpoint) {
        await storeCheckpoint(tx, serial, r.checkpoint);
        for (const d of r.discarded) await repo.recordAudit(tx, { kind: 'transaction_discarded', moduleSerial: serial, meterId: String(d.meterId), detail: d });
        await repo.recordAudit(tx, { kind: 'checkpoint_rolled_forward', moduleSerial: serial, detail: { logSeq: head?.seq.toString(), discarded: r.discarded.length } });
        if (r.discarded.length) discarded = r.discarded;
      }
      if (r.outcome === 'recovered') {
        for (const d of r.discarded) {
          await repo.recordAudit(tx, { kind: 'transaction_discarded', moduleSerial: serial, meterId: String(d.meterId), detail: d });
        }
        await repo.recordAudit(tx, { kind: 'checkpoint_recovered', moduleSerial: serial, detail: { discarded: r.discarded.length } });
        discarded = r.discarded;
      }
      if (r.outcome === 'inhibited') await inhibit(ctx, tx, serial, r.reason ?? 'checkpoint not in the ring');
    });
  } catch (e) {
    if (e instanceof VaultError && (e.code === 'checkpoint_forged' || e.code === 'checkpoint_foreign')) {
      await repo.recordAudit(ctx.db, { kind: 'checkpoint_refused', moduleSerial: serial, detail: { code: e.code, message: e.message } });
    }
    throw e;
  }
  if (discarded) await logRecovery(ctx, serial, discarded);
}

/** The recovery itself goes into the log (after it, since the recovered module's chain was just rolled back). */
async function logRecovery(ctx: ServerContext, serial: string, discarded: readonly Record<string, unknown>[]): Promise<void> {
  const detail = { module: serial, discarded };
  try {
    await onModule(ctx, 'log', async () => ({ action: 'checkpoint_recovered', logExtra: detail }), async () => undefined);
  } catch (e) {
    await repo.recordAudit(ctx.db, { kind: 'action_not_logged', moduleSerial: serial, detail: { action: 'checkpoint_recovered', reason: (e as Error).message } });
  }
}

async function markInhibited(ctx: ServerContext, serial: string, reason: string): Promise<void> {
  await inTransaction(ctx.db, async (tx) => {
    await repo.lockCheckpoint(tx, serial);
    await inhibit(ctx, tx, serial, reason);
  });
}

async function inhibit(ctx: ServerContext, tx: Tx, serial: string, reason: string): Promise<void> {
  await repo.setModuleState(tx, serial, 'inhibited', reason);
  await repo.recordAudit(tx, { kind: 'module_inhibited', moduleSerial: serial, detail: { reason } });
  ctx.modules.setInhibited(serial, true);
  const inhibited = await repo.countInhibitedModules(tx);
  if (inhibited >= ctx.haltThreshold && !(await repo.systemState(tx)).halted) {
    const why = `${inhibited} inhibited module(s) reached the halt threshold of ${ctx.haltThreshold}`;
    await repo.setHalted(tx, true, why);
    await repo.recordAudit(tx, { kind: 'system_halted', detail: { reason: why } });
  }
}

type MeterOp = Exclude<PackageOp, 'provision'>;

/**
 * A module op on one stored meter: read the meter in the batch's transaction, hand its sealed
 * package to the module, store the module's new package (compare-and-set on the version), then
 * `commit`'s own writes. Every meter command goes through here.
 */
export async function onMeter<K extends MeterOp, R>(
  ctx: ServerContext,
  op: K,
  meterId: string,
  args: (meter: repo.MeterRow) => Omit<Args<K>, 'pkg'>,
  commit: (tx: Tx, result: Result<K>, meter: repo.MeterRow) => Promise<R>,
): Promise<R> {
  let meter!: repo.MeterRow;
  return onModule(
    ctx,
    op,
    async (tx) => {
      const row = await repo.getMeter(tx, meterId);
      if (!row) fail('not_found', 'no such meter');
      meter = row;
      return { ...args(row), pkg: sealedRef(row) } as unknown as Args<K>;
    },
    async (tx, result) => {
      await savePackage(tx, meter, (result as { package: SealedRef }).package);
      return commit(tx, result, meter);
    },
    meterId,
  );
}
