import { VaultError } from '../errors.js';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.js';
import { runPayments, type AchConfig, type PaymentsRun, type ServiceContext } from '../services/index.js';

// The API server's payments job: every minute (VAULTMETER_PAYMENTS_POLL_MS) it settles what is past
// its hold and finishes stranded card requests, and once after each daily cut-off it files what
// waits. It commits module ops through this server's batcher, which is why it lives here and not in
// the shipper; a session advisory lock keeps it to one run per installation however many API servers
// there are. VAULTMETER_ACH_CUTOFF_UTC=off turns it off (then only `vaultmeter admin payments run`
// files, settles and sweeps).

/** The latest cut-off instant at or before `now` (ms). */
export function lastCutoffMs(now: Date, cutoff: NonNullable<AchConfig['cutoffUtc']>): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), cutoff.hour, cutoff.minute);
  return today <= now.getTime() ? today : today - 86_400_000;
}

/**
 * One line for a run that moved money, or null. A request that keeps being refused (its meter out
 * of service) or a card still waiting on its cardholder would otherwise log every minute.
 */
export function runSummary(r: PaymentsRun): string | null {
  const settled = r.settled.filter((s) => s.outcome === 'settled').length;
  const cards = (o: string) => r.cards.filter((c) => c.outcome === o).length;
  const [cardsSettled, cardsCancelled, cardsFailed] = [cards('settled'), cards('cancelled'), cards('failed')];
  if (!r.files.length && !settled && !cardsSettled && !cardsCancelled && !cardsFailed) return null;
  const debits = r.files.reduce((n, f) => n + f.entryCount, 0);
  return (
    `payments: ${r.files.length} NACHA file(s) (${debits} debits); ${settled} settled, ${r.settled.length - settled} refused; ` +
    `stranded cards: ${cardsSettled} settled, ${cardsCancelled} cancelled, ${cards('pending')} pending, ${cardsFailed} failed`
  );
}

export function startPaymentsJob(ctx: ServiceContext, config: AchConfig, log: (line: string) => void): PeriodicJob | null {
  const cutoff = config.cutoffUtc;
  if (!cutoff) return null;
  let filedForCutoff: number | null = null;
  const tick = async () => {
    const now = new Date();
    const cut = lastCutoffMs(now, cutoff);
    const file = cut !== filedForCutoff;
    try {
      const r = await runPayments(ctx, config, { file, now });
      if (file) filedForCutoff = cut;
      const line = runSummary(r);
      if (line) log(line);
    } catch (e) {
      // Another server runs it now; a database or module outage is retried at the next tick.
      if (!(e instanceof VaultError && e.code === 'payments_busy')) log(`payments: the run failed: ${(e as Error).message}`);
    }
  };
  return startPeriodicJob(tick, config.pollMs);
}
