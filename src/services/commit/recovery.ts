import { fail, VaultError } from '../../errors.js';
import { decodeCheckpointRecord, type CheckpointWire, type ModuleConnection, type RecoverResult } from '../../module/index.js';
import { inTransaction, repo, txlogRepo, type Tx } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import { haltEveryModule } from './halt.js';
import { holdUnproven } from './unproven.js';

// The checkpoint machinery around the commit: auto-recovery, inhibition and the halt. What it
// writes is the operations journal of this database, not ledger state (see docs/ARCHITECTURE.md).

const toWire = (row: repo.CheckpointRow | null): CheckpointWire | null => (row ? { record: row.record.toString('hex'), mac: row.mac.toString('hex') } : null);

export async function storeCheckpoint(tx: Tx, serial: string, wire: CheckpointWire): Promise<void> {
  const record = Buffer.from(wire.record, 'hex');
  const c = decodeCheckpointRecord(record);
  if (!c) fail('internal', 'the module returned a malformed checkpoint');
  await repo.storeCheckpoint(tx, serial, {
    record,
    mac: Buffer.from(wire.mac, 'hex'),
    seq: c.seq,
    at: new Date(c.atMs),
    type: c.type,
    valueMills: c.amountMills,
  });
}

export async function assertNotHalted(ctx: ServiceContext): Promise<void> {
  const s = await repo.systemState(ctx.db);
  if (s.halted) fail('system_halted', `meter commands are halted since ${s.haltedAt?.toISOString()}: ${s.haltReason}`);
}

export type Discarded = readonly Record<string, string | number>[];

/**
 * "Auto-recover checkpoint": roll the database forward, then give the module the database's
 * checkpoint and log position. The module drops only the transactions of a failed commit (each one
 * recorded here); a checkpoint it cannot place, with a log its journal cannot complete, inhibits
 * it, and enough inhibited modules halt the system.
 */
export async function recoverCheckpoint(ctx: ServiceContext, m: ModuleConnection): Promise<Discarded | null> {
  const serial = ctx.modules.serialOf(m);
  // What the modules hold beyond the database is in the shipped log (a failover to a standby that
  // missed the last commits) or in the modules' journals (a copy put back): roll it forward first.
  // The module then discards only a batch whose commit it never saw confirmed.
  await ctx.rollForward();
  try {
    const { outcome, discarded } = await inTransaction(ctx.db, (tx) => recoverInTransaction(ctx, tx, m, serial));
    ctx.metrics.recoveries.inc({ module: serial, outcome });
    return discarded;
  } catch (e) {
    ctx.metrics.recoveries.inc({ module: serial, outcome: e instanceof VaultError ? e.code : 'internal' });
    if (e instanceof VaultError && (e.code === 'checkpoint_forged' || e.code === 'checkpoint_foreign' || e.code === 'database_stale')) {
      await repo.recordAudit(ctx.db, { kind: 'checkpoint_refused', moduleSerial: serial, detail: { code: e.code, message: e.message } });
    }
    throw e;
  }
}

/** What the module did with the database's checkpoint, and the transactions it discarded (null: none to log). */
interface Recovered {
  readonly outcome: RecoverResult['outcome'];
  readonly discarded: Discarded | null;
}

async function recoverInTransaction(ctx: ServiceContext, tx: Tx, m: ModuleConnection, serial: string): Promise<Recovered> {
  const checkpoint = toWire(await repo.lockCheckpoint(tx, serial));
  const head = await txlogRepo.logHead(tx, serial);
  const r = await m.call('recover', { checkpoint, ...(head ? { log: { seq: head.seq.toString(), hash: head.hash } } : {}) });
  const noteDiscarded = async () => {
    for (const d of r.discarded) await repo.recordAudit(tx, { kind: 'transaction_discarded', moduleSerial: serial, meterId: String(d.meterId), detail: d });
  };
  if (r.outcome === 'rolled_forward' && r.checkpoint) {
    await storeCheckpoint(tx, serial, r.checkpoint);
    await noteDiscarded();
    await repo.recordAudit(tx, {
      kind: 'checkpoint_rolled_forward',
      moduleSerial: serial,
      detail: { logSeq: head?.seq.toString(), discarded: r.discarded.length },
    });
    return { outcome: r.outcome, discarded: r.discarded.length ? r.discarded : null };
  }
  if (r.outcome === 'recovered') {
    await noteDiscarded();
    await repo.recordAudit(tx, { kind: 'checkpoint_recovered', moduleSerial: serial, detail: { discarded: r.discarded.length } });
    return { outcome: r.outcome, discarded: r.discarded };
  }
  if (r.outcome === 'inhibited') {
    await holdUnproven(tx, serial, r.unproven ?? []);
    await inhibit(ctx, tx, serial, r.reason ?? 'checkpoint not in the ring');
  }
  return { outcome: r.outcome, discarded: null };
}

export async function markInhibited(ctx: ServiceContext, serial: string, reason: string): Promise<void> {
  await inTransaction(ctx.db, async (tx) => {
    await repo.lockCheckpoint(tx, serial);
    await inhibit(ctx, tx, serial, reason);
  });
}

async function inhibit(ctx: ServiceContext, tx: Tx, serial: string, reason: string): Promise<void> {
  await repo.setModuleState(tx, serial, 'inhibited', reason);
  await repo.recordAudit(tx, { kind: 'module_inhibited', moduleSerial: serial, detail: { reason } });
  ctx.modules.setInhibited(serial, true);
  ctx.metrics.inhibitions.inc({ module: serial });
  const inhibited = await repo.countInhibitedModules(tx);
  if (inhibited >= ctx.haltThreshold && !(await repo.systemState(tx)).halted) {
    const why = `${inhibited} inhibited module(s) reached the halt threshold of ${ctx.haltThreshold}`;
    await repo.setHalted(tx, true, why);
    await repo.recordAudit(tx, { kind: 'system_halted', detail: { reason: why } });
    ctx.metrics.halts.inc();
    await haltEveryModule(ctx.modules, why);
  }
}
