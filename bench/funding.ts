// ACH funding: funding requests per second (a MAC'd meter command that adds a pending debit to the
// package), against a balance command in the same run (the same protocol with no state change
// beyond the challenge), and the payments run: NACHA filing (a module opens each sealed account
// number and builds and signs the file) and settlement (one module `debit` op per request).
//   npm run bench:funding [-- --clients 16 --rounds 3]
import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { MAX_PENDING_DEBITS } from '../src/constants.js';
import { Profile, diskProfiles } from '../src/cli/index.js';
import { addBankAccount, MeterClient } from '../src/sdk/index.js';
import { LeanClient, percentile } from './lib/driver.js';
import { exitOnHelp, int } from './lib/flags.js';
import { startBenchSystem, type BenchSystem } from './lib/system.js';

exitOnHelp(`npm run bench:funding [-- --clients 16 --rounds 3]
Funding requests/s (each client fills its meter's pending debits, ${MAX_PENDING_DEBITS}), balance commands/s as the baseline,
and the payments run that files the requests in a NACHA file and settles them (hold 0).
`);
const CLIENTS = int('clients', 16, 1);
const ROUNDS = int('rounds', 3, 1);
const log = (m: string) => process.stderr.write(`${m}\n`);
const PW = 'benchmark password';

async function clientsOf(sys: BenchSystem, n: number): Promise<{ lean: LeanClient; bankAccountId: string }[]> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const out = [];
  for (let i = 0; i < n; i++) {
    const c = await MeterClient.register(diskProfiles, sys.url, `fund${i}`, PW);
    const account = await addBankAccount(c, {
      routingNumber: '021000021',
      accountNumber: `9${String(i).padStart(8, '0')}`,
      accountType: 'checking',
      holderName: `Bench ${i}`,
    });
    await c.balance();
    out.push({
      lean: new LeanClient(sys.url, c.meterId, c.sessionToken, await Profile.unlockWithPassword(`fund${i}`, PW)),
      bankAccountId: account.bankAccountId,
    });
  }
  return out;
}

/** Every client sends `perClient` commands one after another, all clients at once; the rate over the whole phase. */
async function phase(n: number, each: (i: number) => Promise<unknown>, perClient: number): Promise<{ perSec: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      for (let k = 0; k < perClient; k++) {
        const t = performance.now();
        await each(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSec: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function paymentsRun(
  sys: BenchSystem,
  body: Record<string, boolean>,
): Promise<{ seconds: number; json: { files: { entryCount: number }[]; settled: { outcome: string }[] } }> {
  const t0 = performance.now();
  const res = await fetch(`${sys.url}/v1/admin/payments/run`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${sys.officer.user}:${sys.officer.password}`).toString('base64')}`,
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`payments run: ${res.status} ${JSON.stringify(json)}`);
  return { seconds: (performance.now() - t0) / 1000, json };
}

async function main(): Promise<void> {
  const sys = await startBenchSystem(2, { VAULTMETER_POOL_SIZE: '0', VAULTMETER_LOG: '', VAULTMETER_ACH_HOLD_HOURS: '0', VAULTMETER_ACH_CUTOFF_UTC: 'off' });
  try {
    log(`registering ${CLIENTS} customers, each with a bank account`);
    const clients = await clientsOf(sys, CLIENTS);
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const balance = await phase(CLIENTS, (i) => clients[i]!.lean.command('balance', {}), MAX_PENDING_DEBITS);
      const requests = await phase(
        CLIENTS,
        (i) =>
          clients[i]!.lean.command('fund_request', {
            amountMills: '10000',
            bankAccountId: clients[i]!.bankAccountId,
            requestId: randomBytes(16).toString('hex'),
          }),
        MAX_PENDING_DEBITS,
      );
      const filed = await paymentsRun(sys, { settle: false });
      const entries = filed.json.files.reduce((n, f) => n + f.entryCount, 0);
      const settled = await paymentsRun(sys, { file: false });
      const ok = settled.json.settled.filter((s) => s.outcome === 'settled').length;
      const r = {
        round,
        balancePerSec: Math.round(balance.perSec),
        fundingRequestsPerSec: Math.round(requests.perSec),
        fundingRequestP50Ms: Number(requests.p50Ms.toFixed(1)),
        fundingRequestP99Ms: Number(requests.p99Ms.toFixed(1)),
        requestsOverBalance: Number((requests.perSec / balance.perSec).toFixed(3)),
        filedEntries: entries,
        filingSeconds: Number(filed.seconds.toFixed(3)),
        filedEntriesPerSec: Math.round(entries / filed.seconds),
        settled: ok,
        settlementsPerSec: Math.round(ok / settled.seconds),
      };
      log(
        `round ${round}: ${r.fundingRequestsPerSec} funding requests/s (p50 ${r.fundingRequestP50Ms} ms, p99 ${r.fundingRequestP99Ms} ms) vs ${r.balancePerSec} balance/s; ` +
          `filed ${entries} in ${r.filingSeconds} s; settled ${ok} at ${r.settlementsPerSec}/s`,
      );
      rounds.push(r);
    }
    const result = { at: new Date().toISOString(), clients: CLIENTS, requestsPerClientPerRound: MAX_PENDING_DEBITS, rounds };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/funding.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await sys.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
