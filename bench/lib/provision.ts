import { MeterClient } from '../../src/sdk/index.js';
import { Profile, diskProfiles } from '../../src/cli/index.js';
import { LeanClient } from './driver.js';
import { officerFunder } from './fund.js';
import type { BenchSystem } from './system.js';

/** The largest single funding: $10,000 buys 10 million 1-mill items. */
export const FUND_MILLS = 10_000_000n;
const PW = 'benchmark password';

/** With no meter pool, meters are provisioned on demand, and concurrent registrations may be told to retry. */
async function register(url: string, user: string): Promise<MeterClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await MeterClient.register(diskProfiles, url, user, PW);
    } catch (e) {
      if ((e as { code?: string }).code !== 'pool_empty' || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
}

/**
 * Register and fund N customers (`bench0`, `bench1`, …), `concurrency` at a time, as `npm run bench`
 * does; each becomes a lean client holding its state in memory. The profiles go to the system's client home.
 */
export async function provisionClients(sys: BenchSystem, n: number, log: (m: string) => void, concurrency = 8): Promise<LeanClient[]> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const fund = await officerFunder(sys.url, sys.officer);
  const clients: LeanClient[] = new Array(n);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) {
        const user = `bench${i}`;
        const c = await register(sys.url, user);
        await fund(user, FUND_MILLS);
        await c.balance();
        clients[i] = new LeanClient(sys.url, c.meterId, c.sessionToken, await Profile.unlockWithPassword(user, PW));
        if (++done % 16 === 0 || done === n) log(`  provisioned ${done}/${n} clients`);
      }
    }),
  );
  return clients;
}
