import { MeterClient } from '../../src/sdk/index.js';
import { Profile, diskProfiles } from '../../src/cli/index.js';
import { LeanClient } from './driver.js';
import { officerFunder } from './fund.js';
import type { BenchSystem } from './system.js';

/** The largest single funding: $10,000 buys 10 million 1-mill items. */
export const FUND_MILLS = 10_000_000n;
const PW = 'benchmark password';

/** With no meter pool, meters are provisioned on demand, and concurrent registrations may be told to retry. */
export async function register(url: string, user: string): Promise<MeterClient> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await MeterClient.register(diskProfiles, url, user, PW);
    } catch (e) {
      if ((e as { code?: string }).code !== 'pool_empty' || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
  }
}

/** Codes a registration may meet under concurrent load (an older build's recovery race): worth another try, as a new customer. */
const RETRYABLE = new Set(['checkpoint_mismatch', 'conflict']);
const MAX_REGISTER_ATTEMPTS = 5;

/** Register `user`; on a retryable refusal register `<user>r1`, `<user>r2`, … instead (the refused registration may have begun). */
async function registerFresh(url: string, user: string, retried: (note: string) => void): Promise<{ client: MeterClient; user: string }> {
  for (let attempt = 0; ; attempt++) {
    const name = attempt === 0 ? user : `${user}r${attempt}`;
    try {
      return { client: await register(url, name), user: name };
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!RETRYABLE.has(code) || attempt + 1 >= MAX_REGISTER_ATTEMPTS) throw e;
      retried(`${name}: ${code} (${(e as Error).message})`);
    }
  }
}

export interface Provisioned {
  readonly clients: LeanClient[];
  /** Registrations refused with a retryable code and made again under another name. */
  readonly retries: string[];
}

/**
 * Register and fund N customers (`bench0`, `bench1`, …), `concurrency` at a time (1: one after the
 * other, as `npm run bench` does); each becomes a lean client holding its state in memory. The
 * profiles go to the system's client home.
 */
export async function provisionClients(sys: BenchSystem, n: number, log: (m: string) => void, concurrency = 1): Promise<Provisioned> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const fund = await officerFunder(sys.url, sys.officer);
  const clients: LeanClient[] = new Array(n);
  const retries: string[] = [];
  const retried = (note: string) => {
    retries.push(note);
    log(`  registration refused, registering again under another name: ${note}`);
  };
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) {
        const { client: c, user } = await registerFresh(sys.url, `bench${i}`, retried);
        await fund(user, FUND_MILLS);
        await c.balance();
        clients[i] = new LeanClient(sys.url, c.meterId, c.sessionToken, await Profile.unlockWithPassword(user, PW));
        if (++done % 16 === 0 || done === n) log(`  provisioned ${done}/${n} clients`);
      }
    }),
  );
  return { clients, retries };
}
