import { locks, repo } from '../store/index.js';
import type { ModulePool } from '../module/index.js';
import type { Db } from '../store/index.js';
import type pg from 'pg';
import { replayLog } from './replay.js';
import { rollForwardFromJournals } from './journal-roll-forward.js';
import type { ShipTarget } from './targets/index.js';

export interface RollForwardDeps {
  readonly db: Db;
  readonly modules: ModulePool;
  /** Where the shipped log is read back from (the first ship target). */
  readonly source: ShipTarget | undefined;
}

let running: Promise<number> | null = null;

/**
 * A database that lacks committed records (a failover to an asynchronous standby that missed the
 * last commits, or a copy put back): put them back from the shipped log, then from each module's
 * journal (modules open and check each one), instead of letting the modules discard them. One server at a time (advisory lock), one run at a time in a process.
 * Returns how many records were rolled forward.
 */
export function rollForward(ctx: RollForwardDeps): Promise<number> {
  running ??= run(ctx).finally(() => {
    running = null;
  });
  return running;
}

async function run(ctx: RollForwardDeps): Promise<number> {
  const client = await ctx.db.connect();
  try {
    await locks.lockRollForward(client);
    try {
      const shipped = ctx.source ? await fromShipped(client, ctx.modules, ctx.source) : 0;
      // Then what the modules witnessed and the shipper has not reached: their own journals.
      const journals = await rollForwardFromJournals(client, ctx.modules);
      const fromJournals = Object.values(journals).reduce((a, b) => a + b, 0);
      if (fromJournals > 0) await repo.recordAudit(client, { kind: 'journal_rolled_forward', detail: { records: journals } });
      // A meter held unproven comes back once the roll-forward has brought its package up to the version proven.
      for (const m of await repo.releaseProven(client)) {
        await repo.recordAudit(client, { kind: 'meter_proven', meterId: m.meterId, detail: { version: m.version.toString() } });
      }
      return shipped + fromJournals;
    } finally {
      await locks.unlockRollForward(client);
    }
  } finally {
    client.release();
  }
}

async function fromShipped(client: pg.PoolClient, modules: ModulePool, source: ShipTarget): Promise<number> {
  try {
    const { replayed } = await replayLog(client, modules.modules, source, () => {});
    const total = Object.values(replayed).reduce((a, b) => a + b, 0);
    if (total > 0) await repo.recordAudit(client, { kind: 'log_rolled_forward', detail: { source: source.name, records: replayed } });
    return total;
  } catch (e) {
    // The shipped log does not continue the database (or cannot be read): recovery goes on without
    // it (the journals may still complete the database), and the audit trail says why.
    await repo.recordAudit(client, { kind: 'roll_forward_failed', detail: { source: source.name, reason: (e as Error).message } });
    return 0;
  }
}
