// npm run bench: the full system (embedded PostgreSQL, module processes, API server), N clients
// with their own registered and funded meters, print through the full client protocol over HTTP
// for a fixed time; pgbench tpcb-like and raw ECDSA signing in the same run for the ratios.
//   npm run bench -- [--clients 64] [--seconds 30] [--modules 2] [--scaling 1,2,4] [--pgbench-seconds 30]
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import pg from 'pg';
import { MeterClient } from '../src/sdk/index.js';
import { Profile, diskProfiles } from '../src/cli/index.js';
import { cpuByRole, cpuDiff } from './lib/cpu.js';
import { closedLoop, LeanClient, percentile, type LoopResult } from './lib/driver.js';
import { pgbenchTps } from './lib/pgbench.js';
import { startBenchSystem, type BenchSystem } from './lib/system.js';
import { officerFunder } from './lib/fund.js';
import { printParams } from './lib/print-params.js';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}
function bounded(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}

const CLIENTS = bounded('clients', Number(arg('clients', '64')), 1, 512);
const SECONDS = bounded('seconds', Number(arg('seconds', '30')), 1, 300);
const MODULES = bounded('modules', Number(arg('modules', '2')), 1, 16);
const SCALING = arg('scaling', '1,2,4')
  .split(',')
  .filter(Boolean)
  .map((m) => bounded('scaling', Number(m), 1, 16));
const PGBENCH_SECONDS = bounded('pgbench-seconds', Number(arg('pgbench-seconds', String(SECONDS))), 1, 300);
const FUND_MILLS = 10_000_000n; // the largest single funding: $10,000 buys 10 million 1-mill items
const PW = 'benchmark password';
const log = (m: string) => process.stderr.write(`${m}\n`);

type Fund = Awaited<ReturnType<typeof officerFunder>>;

async function provision(sys: BenchSystem, fund: Fund, n: number): Promise<LeanClient[]> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const clients: LeanClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await MeterClient.register(diskProfiles, sys.url, `bench${i}`, PW);
    await fund(`bench${i}`, FUND_MILLS);
    await c.balance();
    clients.push(new LeanClient(sys.url, c.meterId, c.sessionToken, await Profile.unlockWithPassword(`bench${i}`, PW)));
    if ((i + 1) % 16 === 0) log(`  provisioned ${i + 1}/${n} clients`);
  }
  return clients;
}

interface Run {
  modules: number;
  items: LoopResult;
  itemsPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  cpu: Record<string, number>;
}

async function printRun(sys: BenchSystem, clients: LeanClient[], modules: number): Promise<Run> {
  const before = await cpuByRole(sys.home);
  const items = await closedLoop(clients, SECONDS, (c) => c.command('print', printParams()));
  const cpu = cpuDiff(await cpuByRole(sys.home), before);
  const sorted = [...items.latenciesMs].sort((a, b) => a - b);
  return { modules, items, itemsPerSec: items.ok / SECONDS, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), cpu };
}

/** Every meter's registers equal what its items add up to, and the control total equals its funding. */
async function checkRegisters(sys: BenchSystem, clients: LeanClient[]): Promise<{ exact: boolean; meters: number }> {
  const db = new pg.Client({ connectionString: sys.ownerUrl });
  await db.connect();
  try {
    let exact = true;
    for (const c of clients) {
      const r = await c.command('balance', {});
      const sum = await db.query('SELECT coalesce(sum(amount_mills), 0)::text AS s FROM postal.items WHERE meter_id = $1', [c.meterId]);
      if (BigInt(r.arMills) !== BigInt(sum.rows[0].s) || BigInt(r.controlTotalMills) !== FUND_MILLS || BigInt(r.arMills) + BigInt(r.drMills) !== FUND_MILLS) {
        exact = false;
        log(`  MISMATCH on meter ${c.meterId}: ar ${r.arMills}, items ${sum.rows[0].s}, ct ${r.controlTotalMills}`);
      }
    }
    return { exact, meters: clients.length };
  } finally {
    await db.end();
  }
}

function signaturesPerSec(seconds: number): number {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.alloc(120, 7);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) for (let k = 0; k < 100; k++, n++) sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return n / seconds;
}

const fmt = (n: number | null, digits = 0) =>
  n === null || Number.isNaN(n) ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** With the main module count: registers exact after the print run, then verify/s, fund/s and pgbench on the same PostgreSQL. */
async function measureAround(sys: BenchSystem, fund: Fund, clients: LeanClient[]) {
  const registers = await checkRegisters(sys, clients);
  log(`  registers exact: ${registers.exact}`);
  const verifySample = await clients[0]!.command('print', printParams());
  const itemBase64 = String((verifySample.item as { itemBase64: string }).itemBase64);
  const v = await closedLoop(clients, Math.min(SECONDS, 10), () =>
    fetch(`${sys.url}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ itemBase64 }) }).then((r) => {
      if (r.status !== 200) throw new Error(`verify ${r.status}`);
    }),
  );
  const verifyPerSec = v.ok / Math.min(SECONDS, 10);
  // Each funding is signed as `vaultmeter admin fund` signs it (meter ids were looked up while provisioning).
  // 16 at a time, round the meters: a meter takes MAX_PACKAGE_OFFICER_NONCES officer acts per 5 minutes.
  let next = 0;
  const f = await closedLoop(clients.slice(0, Math.min(16, clients.length)), Math.min(SECONDS, 10), () => fund(`bench${next++ % clients.length}`, '1'));
  const fundPerSec = f.ok / Math.min(SECONDS, 10);
  log(`  verify ${fmt(verifyPerSec)}/s, fund ${fmt(fundPerSec)}/s, fund failed ${f.failed}${f.firstError ? ` (${f.firstError})` : ''}`);
  log(`running pgbench (${CLIENTS} clients, ${PGBENCH_SECONDS} s) against the same PostgreSQL`);
  const pgb = await pgbenchTps(sys.ownerUrl, CLIENTS, PGBENCH_SECONDS);
  log(`  pgbench: ${fmt(pgb.tps)} TPS (${pgb.note})`);
  return { registers, verifyPerSec, fundPerSec, pgb };
}

/** The figures the table shows; latest.json has every field of the result. */
interface ThroughputResult {
  itemsPerSec: number;
  latencyMs: { p50: number; p95: number; p99: number };
  pgbench: { tps: number | null };
  ecdsaSignPerSecOneCore: number;
  ratios: { itemsToPgbench: number | null; itemsToSignatures: number };
  scaling: { modules: number; itemsPerSec: number; p99Ms: number }[];
  fundPerSec: number;
  verifyPerSec: number;
  cpuSeconds: Record<string, number>;
}

/** The Markdown table of bench/results/latest.md and the README. */
function resultTable(result: ThroughputResult, registers: { exact: boolean; meters: number }): string {
  return [
    '| measure | value |',
    '|---|---|',
    `| items/s (${CLIENTS} clients, ${MODULES} modules, ${SECONDS} s) | ${fmt(result.itemsPerSec)} |`,
    `| latency p50 / p95 / p99 | ${fmt(result.latencyMs.p50, 1)} / ${fmt(result.latencyMs.p95, 1)} / ${fmt(result.latencyMs.p99, 1)} ms |`,
    `| pgbench tpcb-like, same PostgreSQL, ${CLIENTS} clients | ${fmt(result.pgbench.tps)} TPS |`,
    `| items/s ÷ pgbench TPS | ${result.ratios.itemsToPgbench ?? 'n/a'} |`,
    `| raw ECDSA P-256 signatures/s, one core | ${fmt(result.ecdsaSignPerSecOneCore)} |`,
    `| items/s ÷ signatures/s | ${result.ratios.itemsToSignatures} |`,
    ...result.scaling.map((s) => `| items/s with ${s.modules} module(s) (p99) | ${fmt(s.itemsPerSec)} (${fmt(s.p99Ms, 1)} ms) |`),
    `| fund/s (officer, 16 clients) | ${fmt(result.fundPerSec)} |`,
    `| verify/s (public endpoint) | ${fmt(result.verifyPerSec)} |`,
    `| CPU seconds during the print run | ${Object.entries(result.cpuSeconds)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} |`,
    `| registers exact after the run | ${registers.exact ? 'yes' : 'NO'} (${registers.meters} meters) |`,
  ].join('\n');
}

async function main(): Promise<void> {
  log(`Vaultmeter throughput: ${CLIENTS} clients, ${SECONDS} s, ${MODULES} modules (scaling ${SCALING.join(', ')})`);
  const sigs = signaturesPerSec(3);
  log(`raw ECDSA P-256 sign, one core: ${fmt(sigs)}/s`);
  const runs: Run[] = [];
  let main: Run | null = null;
  let pgb: { tps: number | null; note: string } = { tps: null, note: 'not run' };
  let registers = { exact: false, meters: 0 };
  let fundPerSec = 0;
  let verifyPerSec = 0;
  for (const modules of [...new Set([MODULES, ...SCALING])]) {
    log(`starting the system with ${modules} module(s)`);
    const sys = await startBenchSystem(modules, { VAULTMETER_POOL_SIZE: '0', VAULTMETER_LOG: '' });
    try {
      const fund = await officerFunder(sys.url, sys.officer);
      const clients = await provision(sys, fund, CLIENTS);
      log(`printing for ${SECONDS} s`);
      const run = await printRun(sys, clients, modules);
      log(
        `  ${modules} module(s): ${fmt(run.itemsPerSec)} items/s, p50 ${fmt(run.p50, 1)} ms, p99 ${fmt(run.p99, 1)} ms, failed ${run.items.failed}${run.items.firstError ? ` (${run.items.firstError})` : ''}`,
      );
      runs.push(run);
      if (modules === MODULES && !main) {
        main = run;
        ({ registers, verifyPerSec, fundPerSec, pgb } = await measureAround(sys, fund, clients));
      }
    } finally {
      await sys.stop();
    }
  }
  const m = main!;
  const result = {
    at: new Date().toISOString(),
    machine: { cores: (await import('node:os')).cpus().length, node: process.version },
    clients: CLIENTS,
    seconds: SECONDS,
    modules: MODULES,
    itemsPerSec: Math.round(m.itemsPerSec),
    latencyMs: { p50: Number(m.p50.toFixed(1)), p95: Number(m.p95.toFixed(1)), p99: Number(m.p99.toFixed(1)) },
    failed: m.items.failed,
    cpuSeconds: m.cpu,
    pgbench: pgb,
    ecdsaSignPerSecOneCore: Math.round(sigs),
    ratios: { itemsToPgbench: pgb.tps ? Number((m.itemsPerSec / pgb.tps).toFixed(3)) : null, itemsToSignatures: Number((m.itemsPerSec / sigs).toFixed(4)) },
    scaling: runs.map((r) => ({ modules: r.modules, itemsPerSec: Math.round(r.itemsPerSec), p99Ms: Number(r.p99.toFixed(1)) })),
    fundPerSec: Math.round(fundPerSec),
    verifyPerSec: Math.round(verifyPerSec),
    registersExact: registers.exact,
  };
  const table = resultTable(result, registers);
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('latest.json', dir), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(new URL('latest.md', dir), `${table}\n`);
  await updateReadme(table, result.at);
  process.stdout.write(`${table}\n`);
  if (!registers.exact) process.exitCode = 2;
}

/** The README's performance section is this table, between markers; never typed by hand. */
async function updateReadme(table: string, at: string): Promise<void> {
  const readme = new URL('../README.md', import.meta.url);
  const text = await readFile(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const body = `${start}\nMeasured by \`npm run bench\` on ${at.slice(0, 10)} (this machine: ${(await import('node:os')).cpus().length} cores):\n\n${table}\n`;
  await writeFile(readme, text.slice(0, i) + body + text.slice(j));
}

await main();
