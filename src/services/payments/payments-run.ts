import { fail } from '../../errors.js';
import { locks } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import type { AchConfig } from './ach-config.js';
import { fileAch, type AchFileView } from './ach-filing.js';
import { settleDue, type DebitOutcomeView } from './settlement.js';

// One payments run: deliver any file left undelivered, file what waits (when asked to), and settle
// what is past its hold. One run at a time per installation (a session advisory lock), whether the
// daily job or an operator started it.

export interface PaymentsRun {
  readonly files: readonly AchFileView[];
  readonly settled: readonly DebitOutcomeView[];
}

export async function runPayments(ctx: ServiceContext, config: AchConfig, opts: { file: boolean; settle?: boolean; now?: Date }): Promise<PaymentsRun> {
  const client = await ctx.db.connect();
  try {
    if (!(await locks.tryLockPayments(client))) fail('payments_busy', 'another payments run is in progress; retry in a minute');
    try {
      const files = opts.file ? await fileAch(ctx, config, opts.now) : [];
      const settled = opts.settle === false ? [] : await settleDue(ctx, config.holdHours, opts.now);
      return { files, settled };
    } finally {
      await locks.unlockPayments(client).catch(() => {});
    }
  } finally {
    client.release();
  }
}
