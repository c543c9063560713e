import { MAX_LOGGED_DISCARDS, MODULE_ATTEMPTS, UNPROVEN_RETRY_INTERVAL_MS } from '../../constants.js';
import { VaultError } from '../../errors.js';
import type { ModuleConnection, PackageOp } from '../../module/index.js';
import type { ServiceContext, StalePackage } from '../context.js';
import type { ModuleCommand } from './command.js';
import { BatchAborted, ModuleBatcher } from './batcher.js';
import { repo } from '../../store/index.js';
import { assertNotHalted, markInhibited, recoverCheckpoint, storeCheckpoint, type Discarded } from './recovery.js';

const batchers = new WeakMap<ModuleConnection, ModuleBatcher>();
let lastProvenTryMs = 0;

function batcherOf(ctx: ServiceContext, m: ModuleConnection): ModuleBatcher {
  let b = batchers.get(m);
  if (!b) {
    const shipped = ctx.shipped;
    const afterCommit = shipped ? (serial: string, seq: bigint) => shipped.wait(serial, seq) : undefined;
    const serial = ctx.modules.serialOf(m);
    const onDispatch = (ops: number) => ctx.metrics.batchSize.observe({ module: serial }, ops);
    b = new ModuleBatcher(ctx.db, m, serial, storeCheckpoint, afterCommit, onDispatch);
    batchers.set(m, b);
  }
  return b;
}

/**
 * Run one package op, checkpointed (the patent's cross-verification) and group-committed: the
 * command joins the module's next batch, which in one database transaction locks the module's row,
 * hands the module its stored checkpoint, applies the op's ledger effects, stores the module's new
 * checkpoint and commits. Nothing the module produced is released before that commit. A checkpoint
 * mismatch triggers auto-recovery, then another try; an inhibited or unreachable module is skipped
 * for another; a command whose batch was aborted by another op's failed write is retried.
 */
export async function runModuleCommand<K extends PackageOp, R>(ctx: ServiceContext, command: ModuleCommand<K, R>): Promise<R> {
  const failed = new Set<ModuleConnection>();
  let lastError: unknown = null;
  for (let attempt = 0; attempt < MODULE_ATTEMPTS; attempt++) {
    const m = await pickModule(ctx, failed, command.key);
    try {
      return await batcherOf(ctx, m).submit<R>(command as unknown as ModuleCommand<PackageOp, unknown>);
    } catch (e) {
      lastError = e;
      if (e instanceof BatchAborted) continue;
      await afterFailure(ctx, m, e, failed);
    }
  }
  // Aborted again and again by other commands' clashes, or by the failed commits they leave (each
  // one a checkpoint mismatch for the next batch): say so as a retryable conflict.
  if (lastError instanceof BatchAborted || (lastError instanceof VaultError && lastError.code === 'checkpoint_mismatch'))
    throw new VaultError('conflict', 'the command kept colliding with concurrent ones; retry');
  throw lastError;
}

/** Recover, skip or give up on a module after a failed attempt. */
async function afterFailure(ctx: ServiceContext, m: ModuleConnection, e: unknown, failed: Set<ModuleConnection>): Promise<void> {
  if (!(e instanceof VaultError) || e.code === 'system_halted') throw e;
  if (e.code === 'checkpoint_mismatch') await recoverModule(ctx, m);
  else if (e.code === 'meter_unproven') await provenYet(ctx, e);
  else if (e.code === 'package_stale') await ctx.repairMeter(staleOf(e));
  else if (e.code === 'module_inhibited') await markInhibited(ctx, ctx.modules.serialOf(m), e.message);
  else if (e.code === 'module_unavailable') failed.add(m);
  else throw e;
  await assertNotHalted(ctx);
}

/**
 * A meter held unproven: a roll-forward may now have what was missing (a ship target back, a
 * module's journal restored), and releases the meter if so; otherwise the refusal stands.
 */
async function provenYet(ctx: ServiceContext, e: VaultError): Promise<void> {
  // At most one such try per interval: a client knocking on a held meter cannot make the server replay logs in a loop.
  if (Date.now() - lastProvenTryMs < UNPROVEN_RETRY_INTERVAL_MS) throw e;
  lastProvenTryMs = Date.now();
  await ctx.rollForward();
  const meterId = String(e.extra.meterId ?? '');
  const row = meterId ? await repo.getMeter(ctx.db, meterId) : null;
  if (row?.status === 'unproven') throw e;
}

/** What the refusal says of the stale package, and the evidence it carries (a client's record of its registers). */
function staleOf(e: VaultError): StalePackage {
  const x = e.extra as Record<string, unknown>;
  const client = typeof x.clientArMills === 'string' ? { clientArMills: x.clientArMills, clientDrMills: String(x.clientDrMills) } : {};
  return { meterId: String(x.meterId), version: String(x.version), knownVersion: String(x.knownVersion), ...client };
}

/** The next module in service; with none left, say why: the halt, when there is one. */
async function pickModule(ctx: ServiceContext, failed: ReadonlySet<ModuleConnection>, key: string | null): Promise<ModuleConnection> {
  try {
    return ctx.modules.pick(failed, key);
  } catch (e) {
    await assertNotHalted(ctx);
    throw e;
  }
}

/**
 * "Auto-recover checkpoint" (see recovery.ts), then the recovery itself goes into the log: after
 * it, since the recovered module's chain was just rolled back.
 */
export async function recoverModule(ctx: ServiceContext, m: ModuleConnection): Promise<void> {
  const discarded = await recoverCheckpoint(ctx, m);
  if (discarded) await logRecovery(ctx, ctx.modules.serialOf(m), discarded);
}

async function logRecovery(ctx: ServiceContext, serial: string, discarded: Discarded): Promise<void> {
  const effect = { kind: 'recovery_logged' as const, module: serial, discarded: discarded.slice(0, MAX_LOGGED_DISCARDS) };
  try {
    await runModuleCommand(ctx, { op: 'log', key: null, prepare: () => ({ action: effect.kind, effects: [effect] }), answer: () => undefined });
  } catch (e) {
    await repo.recordAudit(ctx.db, { kind: 'action_not_logged', moduleSerial: serial, detail: { action: effect.kind, reason: (e as Error).message } });
  }
}
