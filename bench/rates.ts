// Rates: quotes per second (in process, and over HTTP: the route on Fastify, its limit lifted), and print
// throughput with the module's price check against without it, in the same run: two installations
// of the same build, one with the shipped USPS tables installed and one without, measured in
// alternating rounds so that machine noise falls on both.
//   npm run bench:rates [-- --clients 16 --seconds 15 --rounds 2 --quote-seconds 5]
import { mkdir, writeFile } from 'node:fs/promises';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { rateRoutes, RateLimiter, type ServerContext } from '../src/server/index.js';
import { Problem } from '../src/server/schemas.js';
import { Profile, diskProfiles } from '../src/cli/index.js';
import { RateBook, type RateRequest } from '../src/rates/index.js';
import { BUNDLED_RATES_DIR, readRateBundles } from '../src/runtime/index.js';
import { MeterClient } from '../src/sdk/index.js';
import { closedLoop, LeanClient, percentile } from './lib/driver.js';
import { exitOnHelp, int } from './lib/flags.js';
import { officerFunder } from './lib/fund.js';
import { startBenchSystem, type BenchSystem } from './lib/system.js';
import { prng } from './lib/prng.js';

exitOnHelp(`npm run bench:rates [-- --clients 16 --seconds 15 --rounds 2 --quote-seconds 5]
Rate quotes/s in process and over HTTP, and print items/s with the module's price check against without it.
`);
const CLIENTS = int('clients', 16, 1);
const SECONDS = int('seconds', 15, 1);
const ROUNDS = int('rounds', 2, 1);
const QUOTE_SECONDS = int('quote-seconds', 5, 1);
const log = (m: string) => process.stderr.write(`${m}\n`);
const PW = 'benchmark password';
const today = () => new Date().toISOString().slice(0, 10);

function pieces(book: RateBook, n: number): Omit<RateRequest, 'classCode' | 'tier'>[] {
  const zips = [...book.inForce(today())!.zones.centroids.keys()];
  const rand = prng(20261130);
  const pick = () => `${zips[Math.floor(rand() * zips.length)]}01`;
  return Array.from({ length: n }, () => ({
    fromZip: pick(),
    toZip: pick(),
    weightTenthOz: 1 + Math.floor(rand() * 1600),
    dimsTenthIn: rand() < 0.3 ? [100 + Math.floor(rand() * 200), 100 + Math.floor(rand() * 150), 50 + Math.floor(rand() * 150)] : null,
  }));
}

/** Rate shopping in process: every class and tier for each piece. */
function quotesInProcess(book: RateBook, seconds: number): { quotesPerSec: number; pricesPerQuote: number } {
  const ps = pieces(book, 2000);
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let n = 0;
  let prices = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 200; i++) prices += book.quoteAll(today(), ps[(n + i) % ps.length]!).prices.length;
    n += 200;
  }
  return { quotesPerSec: n / ((performance.now() - t0) / 1000), pricesPerQuote: prices / n };
}

/** The module's own work per rated print: one price under the table in force. */
function priceChecksInProcess(book: RateBook, seconds: number): number {
  const ps = pieces(book, 2000).map((p) => ({
    ...p,
    dimsTenthIn: null,
    weightTenthOz: Math.min(p.weightTenthOz, 1120),
    classCode: 'PM',
    tier: 'commercial' as const,
  }));
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++) book.price(today(), ps[(n + i) % ps.length]!);
    n += 1000;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** GET /v1/rates on Fastify over loopback, its per-client rate limit lifted (as bench:addresses does). */
async function quotesOverHttp(book: RateBook, seconds: number) {
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } }).withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(Problem);
  await app.register(rateRoutes({ rateBook: { get: async () => book, invalidate: () => {} } } as unknown as ServerContext, new RateLimiter(1e9, 1e9)));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const ps = pieces(book, 2000);
    let i = 0;
    const deadline = performance.now() + seconds * 1000;
    const latencies: number[] = [];
    let failed = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < deadline) {
          const p = ps[i++ % ps.length]!;
          const t = performance.now();
          const res = await fetch(`${url}/v1/rates?from=${p.fromZip}&to=${p.toZip}&weightOz=${(p.weightTenthOz / 10).toFixed(1)}`);
          await res.arrayBuffer();
          if (res.status === 200) latencies.push(performance.now() - t);
          else failed++;
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    return { quotesPerSec: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), failed };
  } finally {
    await app.close();
  }
}

async function clientsOf(sys: BenchSystem, n: number): Promise<LeanClient[]> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const fund = await officerFunder(sys.url, sys.officer);
  const out: LeanClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await MeterClient.register(diskProfiles, sys.url, `rates${i}`, PW);
    await fund(`rates${i}`, 10_000_000n);
    await c.balance();
    out.push(new LeanClient(sys.url, c.meterId, c.sessionToken, await Profile.unlockWithPassword(`rates${i}`, PW)));
  }
  return out;
}

interface Installation {
  readonly name: 'unrated' | 'rated';
  readonly sys: BenchSystem;
  readonly clients: LeanClient[];
}

async function install(name: Installation['name']): Promise<Installation> {
  const sys = await startBenchSystem(2, { VAULTMETER_POOL_SIZE: '0', VAULTMETER_LOG: '', VAULTMETER_RATES: name === 'rated' ? BUNDLED_RATES_DIR : 'none' });
  return { name, sys, clients: await clientsOf(sys, CLIENTS) };
}

async function main(): Promise<void> {
  const book = new RateBook(await readRateBundles(BUNDLED_RATES_DIR));
  const inProcess = quotesInProcess(book, QUOTE_SECONDS);
  log(`quotes in process: ${Math.round(inProcess.quotesPerSec)}/s (${inProcess.pricesPerQuote.toFixed(1)} prices each)`);
  const checks = priceChecksInProcess(book, QUOTE_SECONDS);
  log(`price checks in process (the module's work per rated print): ${Math.round(checks)}/s, ${(1e6 / checks).toFixed(1)} µs each`);
  // The same piece on both: Priority Mail, 1 lb, 90807 to 10001, at the price the table gives it.
  const piece = { fromZip: '90807', toZip: '10001', weightTenthOz: 160, dimsTenthIn: null };
  const priceMills = book.price(today(), { ...piece, classCode: 'PM', tier: 'commercial' }).priceMills.toString();
  const params = () => ({
    amountMills: priceMills,
    originZip: '90807',
    destination: '10001',
    date: today(),
    rateCategory: 'PM',
    weightTenthOz: '160',
    tier: 'commercial',
  });
  const http = await quotesOverHttp(book, QUOTE_SECONDS);
  log(
    `quotes over HTTP (client in the same process): ${Math.round(http.quotesPerSec)}/s, p50 ${http.p50Ms.toFixed(1)} ms, p99 ${http.p99Ms.toFixed(1)} ms, failed ${http.failed}`,
  );
  log(`starting two installations (${CLIENTS} clients each); Priority Mail 1 lb at ${priceMills} mills`);
  const both = [await install('unrated'), await install('rated')];
  try {
    const items: Record<string, number[]> = { unrated: [], rated: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const inst of round % 2 === 1 ? both : [...both].reverse()) {
        const r = await closedLoop(inst.clients, SECONDS, (c) => c.command('print', params()));
        const perSec = r.ok / SECONDS;
        items[inst.name]!.push(perSec);
        log(`round ${round} ${inst.name}: ${Math.round(perSec)} items/s, failed ${r.failed}${r.firstError ? ` (${r.firstError})` : ''}`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const result = {
      at: new Date().toISOString(),
      clients: CLIENTS,
      seconds: SECONDS,
      rounds: ROUNDS,
      quotesInProcessPerSec: Math.round(inProcess.quotesPerSec),
      priceChecksInProcessPerSec: Math.round(checks),
      quotesOverHttp: { perSec: Math.round(http.quotesPerSec), p50Ms: Number(http.p50Ms.toFixed(1)), p99Ms: Number(http.p99Ms.toFixed(1)) },
      itemsPerSec: { unrated: items.unrated!.map(Math.round), rated: items.rated!.map(Math.round) },
      ratedOverUnrated: Number((mean(items.rated!) / mean(items.unrated!)).toFixed(3)),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(new URL('./results/rates.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const inst of both) await inst.sys.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
