import { MIN_PROVIDER_REPORTS_POLL_MS, PROVIDER_REPORTS_POLL_MS } from '../constants.js';
import { VaultError } from '../errors.js';
import { runProviderReports, type ServiceContext } from '../services/index.js';
import { intFromEnv } from './env.js';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.js';

// The API server's provider report job: every VAULTMETER_PROVIDER_REPORTS_POLL_MS (10 minutes by
// default) it files each day that is over (five minutes after midnight UTC, so records in flight at
// midnight land first). An advisory lock keeps it to one run per installation however many API
// servers there are; a day filed is never made again, so most ticks do nothing.
// VAULTMETER_PROVIDER_REPORTS=off turns it off (then `vaultmeter provider reports run` files).

export function startProviderReportsJob(ctx: ServiceContext, log: (line: string) => void): PeriodicJob | null {
  if (process.env.VAULTMETER_PROVIDER_REPORTS === 'off') return null;
  const pollMs = intFromEnv('VAULTMETER_PROVIDER_REPORTS_POLL_MS', PROVIDER_REPORTS_POLL_MS, MIN_PROVIDER_REPORTS_POLL_MS, 86_400_000);
  const tick = async () => {
    try {
      const { filed, more } = await runProviderReports(ctx);
      for (const d of filed) log(`provider reports: filed ${d.day} (issue ${d.issue}, signed by module ${d.signer})`);
      if (more) log('provider reports: more days wait; the next tick files them');
    } catch (e) {
      // Another server runs it now; a database or module outage is retried at the next tick.
      if (!(e instanceof VaultError && e.code === 'provider_reports_busy')) log(`provider reports: the run failed: ${(e as Error).message}`);
    }
  };
  return startPeriodicJob(tick, pollMs);
}
