import { locks, repo } from '../store/index.js';
import type { ModulePool } from '../module/index.js';
import type { Db } from '../store/index.js';
import { replayLog } from './replay.js';
import type { ShipTarget } from './targets/index.js';

export interface RollForwardDeps {
  readonly db: Db;
  readonly modules: ModulePool;
  /** Where the shipped log is read back from (the first ship target). */
  readonly source: ShipTarget | undefined;
}

let running: Promise<number> | null = null;

/**
 * After a failover to an asynchronous standby that missed the last commits, the shipped log holds
 * records the database lacks: put them back (modules open and check each one) instead of letting
 * the modules discard them. One server at a time (advisory lock), one run at a time in a process.
 * Returns how many records were rolled forward.
 */
export function rollForward(ctx: RollForwardDeps): Promise<number> {
  running ??= run(ctx).finally(() => {
    running = null;
  });
  return running;
}

async function run(ctx: RollForwardDeps): Promise<number> {
  const source = ctx.source;
  if (!source) return 0;
  const client = await ctx.db.connect();
  try {
    await locks.lockRollForward(client);
    try {
      const { replayed } = await replayLog(client, ctx.modules.modules, source, () => {});
      const total = Object.values(replayed).reduce((a, b) => a + b, 0);
      if (total > 0) await repo.recordAudit(client, { kind: 'log_rolled_forward', detail: { source: source.name, records: replayed } });
      return total;
    } catch (e) {
      // The shipped log does not continue the database (or cannot be read): recovery goes on without
      // it, as before shipping existed, and the audit trail says why.
      await repo.recordAudit(client, { kind: 'roll_forward_failed', detail: { source: source.name, reason: (e as Error).message } });
      return 0;
    } finally {
      await locks.unlockRollForward(client);
    }
  } finally {
    client.release();
  }
}
