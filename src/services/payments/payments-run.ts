import { PAYMENTS_LOCK_RETRY_MS } from '../../constants.js';
import { fail } from '../../errors.js';
import { locks, type Q } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import type { AchConfig } from './ach-config.js';
import { fileAch, type AchFileView } from './ach-filing.js';
import { sweepStrandedCards, type CardSweepView } from './card-funding.js';
import { settleDue, type DebitOutcomeView } from './settlement.js';

// One payments run: deliver any file left undelivered, file what waits (when asked to), settle
// what is past its hold, and finish the card requests a dead server left uncharged. One run at a time per installation (a session advisory lock), whether the
// daily job or an operator started it.

export interface PaymentsRun {
  readonly files: readonly AchFileView[];
  readonly settled: readonly DebitOutcomeView[];
  /** Stranded card requests finished (settling is what they wait for: they go with `settle`). */
  readonly cards: readonly CardSweepView[];
}

export interface RunOptions {
  readonly file: boolean;
  readonly settle?: boolean;
  readonly now?: Date;
  /** How long to wait for a run in progress (an operator's run waits out the job's short one; the job does not wait). */
  readonly lockWaitMs?: number;
}

/** The payments lock, tried until `waitMs` has passed. */
async function lockPayments(client: Q, waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    if (await locks.tryLockPayments(client)) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, PAYMENTS_LOCK_RETRY_MS));
  }
}

export async function runPayments(ctx: ServiceContext, config: AchConfig, opts: RunOptions): Promise<PaymentsRun> {
  const client = await ctx.db.connect();
  try {
    if (!(await lockPayments(client, opts.lockWaitMs ?? 0))) fail('payments_busy', 'another payments run is in progress; retry in a minute');
    try {
      const files = opts.file ? await fileAch(ctx, config, opts.now) : [];
      const settled = opts.settle === false ? [] : await settleDue(ctx, config.holdHours, opts.now);
      const cards = opts.settle === false ? [] : await sweepStrandedCards(ctx, opts.now);
      return { files, settled, cards };
    } finally {
      await locks.unlockPayments(client).catch(() => {});
    }
  } finally {
    client.release();
  }
}
