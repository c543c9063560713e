// npm run bench:durability: what each durability level costs, as a ratio to `local`, measured in one run
// on one machine. N clients with their own registered and funded meters print through the full client
// protocol over HTTP (as `npm run bench` does), on a fresh installation per level:
//
//   local          embedded PostgreSQL, VAULTMETER_DURABILITY=local (the baseline)
//   shipped        embedded PostgreSQL, VAULTMETER_DURABILITY=shipped, a directory ship target
//   pg15-local     Debian PostgreSQL 15 primary with a synchronous standby (test/system/pg-cluster.ts), DATABASE_URL,
//                  durability local, and the database's synchronous_commit = local: no standby wait (the replica baseline)
//   replica        the same cluster, durability replica (synchronous_commit = remote_apply: the standby has applied it)
//   pg15-on        the same cluster, durability local, the server default synchronous_commit = on: what `local`
//                  gives on a primary whose synchronous_standby_names is set (PostgreSQL then waits for the
//                  standby's WAL flush, though not its apply)
//
// The levels of a group (embedded: local, shipped; PostgreSQL 15: the other three) are up at once and measured
// in rounds, one slice per level per round in a rotating order, so that a machine whose speed drifts during
// the run (a shared VM does) affects every level alike. Only the measured system prints; the idle systems'
// log shippers are frozen meanwhile (a `shipped` shipper polls continuously even when idle).
//
// Settings (flags win over the environment):
//   --clients N      BENCH_CLIENTS     (32)       --seconds S   BENCH_SECONDS  (15: measured per level, over all rounds)
//   --modules M      BENCH_MODULES     (2)        --rounds R    BENCH_ROUNDS   (3)
//   --levels L,…     BENCH_LEVELS      (all five)
//   --pg-fsync 0|1   BENCH_PG_FSYNC    (1: fsync on in the PostgreSQL 15 cluster, as the embedded one has it)
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Profile } from '../src/cli/index.js';
import { pgClusterAvailable, query as ownerQuery, startPgCluster, type PgCluster } from '../test/system/pg-cluster.js';
import { closedLoop, LeanClient, percentile } from './lib/driver.js';
import { startBenchSystem, type BenchSystem } from './lib/system.js';
import { officerFunder } from './lib/fund.js';
import { printParams } from './lib/print-params.js';
import { shipperPids } from './lib/shippers.js';
import { register } from './lib/provision.js';

const LEVELS = ['local', 'shipped', 'pg15-local', 'replica', 'pg15-on'] as const;
type Level = (typeof LEVELS)[number];

/** What each level is compared with: like with like (the same PostgreSQL, the same machine). */
const BASELINE: Record<Level, Level> = { local: 'local', shipped: 'local', 'pg15-local': 'local', replica: 'pg15-local', 'pg15-on': 'pg15-local' };
/** Levels up at once and measured in alternating slices (one PostgreSQL setup each). */
const GROUP: Record<Level, 'embedded' | 'pg15'> = { local: 'embedded', shipped: 'embedded', 'pg15-local': 'pg15', replica: 'pg15', 'pg15-on': 'pg15' };
const DESCRIBE: Record<Level, string> = {
  local: 'embedded PostgreSQL, durability local',
  shipped: 'embedded PostgreSQL, durability shipped (directory target)',
  'pg15-local': 'PostgreSQL 15 primary + sync standby, durability local, synchronous_commit=local (no standby wait)',
  replica: 'PostgreSQL 15 primary + sync standby, durability replica (synchronous_commit=remote_apply)',
  'pg15-on': 'PostgreSQL 15 primary + sync standby, durability local, synchronous_commit=on (server default: waits for the standby flush)',
};

function setting(flag: string, envName: string, fallback: string): string {
  const at = process.argv.indexOf(`--${flag}`);
  if (at > 0 && process.argv[at + 1]) return process.argv[at + 1]!;
  return process.env[envName] || fallback;
}
function bounded(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

const CLIENTS = bounded('clients (BENCH_CLIENTS)', setting('clients', 'BENCH_CLIENTS', '32'), 1, 512);
const SECONDS = bounded('seconds (BENCH_SECONDS)', setting('seconds', 'BENCH_SECONDS', '15'), 1, 300);
const MODULES = bounded('modules (BENCH_MODULES)', setting('modules', 'BENCH_MODULES', '2'), 1, 16);
const ROUNDS = bounded('rounds (BENCH_ROUNDS)', setting('rounds', 'BENCH_ROUNDS', '3'), 1, 20);
const WARMUP_SECONDS = 1;
const PG_FSYNC = bounded('pg-fsync (BENCH_PG_FSYNC)', setting('pg-fsync', 'BENCH_PG_FSYNC', '1'), 0, 1) === 1;
const WANTED = setting('levels', 'BENCH_LEVELS', LEVELS.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const l of WANTED) if (!(LEVELS as readonly string[]).includes(l)) throw new Error(`unknown level "${l}"; levels: ${LEVELS.join(', ')}`);
const FUND_MILLS = 10_000_000n; // the largest single funding: $10,000 buys 10 million 1-mill items
const PROVISION_CONCURRENCY = 8;
const PW = 'benchmark password';
const started = performance.now();
const log = (m: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const fmt = (n: number | null, digits = 0) =>
  n === null || Number.isNaN(n) ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));

/** Register and fund N customers, a few at a time; each becomes a lean client holding its state in memory. */
async function provision(sys: BenchSystem, n: number): Promise<LeanClient[]> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const fund = await officerFunder(sys.url, sys.officer);
  const clients: LeanClient[] = new Array(n);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(PROVISION_CONCURRENCY, n) }, async () => {
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

interface Slice {
  ok: number;
  failed: number;
  firstError: string | null;
  latenciesMs: number[];
  seconds: number;
  cpu: Record<string, number>;
}

/** One level's system while its group is up, and what its slices measured. */
interface Running {
  level: Level;
  sys: BenchSystem;
  clients: LeanClient[];
  shipperPids: number[];
  /** Data directories of the PostgreSQL this system uses, for the CPU account. */
  pgDataDirs: readonly string[];
  slices: Slice[];
  check: string;
}

interface Measured {
  level: Level;
  description: string;
  itemsPerSec: number;
  /** items/s of each slice, in the order they ran: the spread shows the noise. */
  sliceItemsPerSec: number[];
  ok: number;
  failed: number;
  firstError: string | null;
  latencyMs: { p50: number; p95: number; p99: number };
  cpuSeconds: Record<string, number>;
  /** A check that the level did what it says, right after its last slice. */
  check: string;
}

const TICKS_PER_SEC = 100;
type CpuSnapshot = Map<number, { role: string; ticks: number }>;

/**
 * CPU ticks per process of one system: its Vaultmeter processes (role = the command: start, module, serve, ship)
 * and the PostgreSQL servers whose data directories are given (role postgres: each postmaster and its children).
 * Per process, unlike lib/cpu.ts's per-role sums, so that a connection that ends during a slice (another, idle
 * system's pool closing idle connections) does not subtract its whole history; and only this system's
 * PostgreSQL, not every PostgreSQL on a machine others share.
 */
async function cpuSnapshot(home: string, pgDataDirs: readonly string[]): Promise<CpuSnapshot> {
  const postmasters = new Set<number>();
  for (const d of pgDataDirs) {
    const pid = Number((await readFile(join(d, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    if (pid > 0) postmasters.add(pid);
  }
  const out: CpuSnapshot = new Map();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ') ?? [];
    if (stat.length < 13) continue;
    const ticks = Number(stat[11]) + Number(stat[12]);
    if (postmasters.has(pid) || postmasters.has(Number(stat[1]))) {
      out.set(pid, { role: 'postgres', ticks });
      continue;
    }
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (!env.includes(`VAULTMETER_HOME=${home}\0`)) continue;
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
    if (exe.endsWith('/postgres')) continue; // a PostgreSQL not among the data directories given
    const role = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[2] ?? 'other';
    out.set(pid, { role, ticks });
  }
  return out;
}

/** CPU seconds by role between two snapshots (a process that ended in between is left out). */
function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, a] of after) out[a.role] = (out[a.role] ?? 0) + (a.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_SEC;
  for (const k of Object.keys(out)) out[k] = round(out[k]!, 2);
  return out;
}

/**
 * Freeze (SIGSTOP) or thaw (SIGCONT) the log shippers of the systems not being measured: a `shipped`
 * system's shipper is continuous and polls even when idle, which would load the machine under another
 * level's slice. Only the shipper processes this benchmark started, by pid.
 */
function signalShippers(r: Running, signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of r.shipperPids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone: the supervisor restarts it under a new pid, found before the next slice */
    }
  }
}

/** Start one level's fresh system and provision its clients. */
async function bringUp(level: Level, extraEnv: NodeJS.ProcessEnv, pgDataDirs?: readonly string[]): Promise<Running> {
  log(`── ${level}: ${DESCRIBE[level]}`);
  log('  starting the system');
  const sys = await startBenchSystem(MODULES, { VAULTMETER_POOL_SIZE: '0', VAULTMETER_LOG: '', ...extraEnv });
  try {
    const clients = await provision(sys, CLIENTS);
    return { level, sys, clients, shipperPids: await shipperPids(sys.home), pgDataDirs: pgDataDirs ?? [join(sys.home, 'pg')], slices: [], check: 'n/a' };
  } catch (e) {
    await sys.stop();
    throw e;
  }
}

/**
 * Measure a group of systems that are up at once, in ROUNDS rounds of one slice per level (the order
 * rotates each round), so that a machine that speeds up or slows down during the run affects every
 * level alike. Only the measured system prints; the others' shippers are frozen meanwhile.
 */
async function measureGroup(group: Running[], check: (r: Running) => Promise<string>): Promise<void> {
  const sliceSeconds = SECONDS / ROUNDS;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < group.length; k++) {
      const r = group[(round + k) % group.length]!;
      for (const other of group) if (other !== r) signalShippers(other, 'SIGSTOP');
      r.shipperPids = await shipperPids(r.sys.home);
      signalShippers(r, 'SIGCONT');
      await closedLoop(r.clients, WARMUP_SECONDS, (c) => c.command('print', printParams()));
      const before = await cpuSnapshot(r.sys.home, r.pgDataDirs);
      const run = await closedLoop(r.clients, sliceSeconds, (c) => c.command('print', printParams()));
      const cpu = cpuBetween(before, await cpuSnapshot(r.sys.home, r.pgDataDirs));
      r.slices.push({ ok: run.ok, failed: run.failed, firstError: run.firstError, latenciesMs: run.latenciesMs, seconds: sliceSeconds, cpu });
      if (round === ROUNDS - 1) r.check = await check(r);
      log(
        `  round ${round + 1}/${ROUNDS} ${r.level.padEnd(10)} ${fmt(run.ok / sliceSeconds).padStart(6)} items/s, p50 ${fmt(
          percentile(
            [...run.latenciesMs].sort((a, b) => a - b),
            50,
          ),
          1,
        )} ms, failed ${run.failed}${run.firstError ? ` (${run.firstError})` : ''}`,
      );
    }
  }
  for (const r of group) signalShippers(r, 'SIGCONT');
}

function summarize(r: Running): Measured {
  const all = r.slices.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  const ok = r.slices.reduce((n, s) => n + s.ok, 0);
  const seconds = r.slices.reduce((n, s) => n + s.seconds, 0);
  const cpu: Record<string, number> = {};
  for (const s of r.slices) for (const [k, v] of Object.entries(s.cpu)) cpu[k] = round((cpu[k] ?? 0) + v, 2);
  return {
    level: r.level,
    description: DESCRIBE[r.level],
    itemsPerSec: ok / seconds,
    sliceItemsPerSec: r.slices.map((s) => Math.round(s.ok / s.seconds)),
    ok,
    failed: r.slices.reduce((n, s) => n + s.failed, 0),
    firstError: r.slices.find((s) => s.firstError)?.firstError ?? null,
    latencyMs: { p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99) },
    cpuSeconds: cpu,
    check: r.check,
  };
}

async function stopAll(group: Running[]): Promise<void> {
  for (const r of group) {
    signalShippers(r, 'SIGCONT');
    log(`  stopping the ${r.level} system`);
    await r.sys.stop().catch((e) => log(`  could not stop the ${r.level} system: ${(e as Error).message}`));
  }
}

/** After a `shipped` run every answered item's record is on the target: report how far behind the target is. */
async function shippedCheck(sys: BenchSystem, target: string): Promise<string> {
  const rows = await ownerQuery<{ lag: string }>(
    sys.ownerUrl,
    `SELECT COALESCE(sum(h.seq - COALESCE(s.last_seq, 0)), 0)::text AS lag FROM (SELECT log_id, max(seq) AS seq FROM postal.txlog GROUP BY log_id) h
     LEFT JOIN postal.txlog_shipped s ON s.log_id = h.log_id AND s.target = $1`,
    [target],
  );
  return `records not yet on ${target} right after the run: ${rows[0]!.lag}`;
}

/** After a run on the cluster: does the standby already hold every item the primary holds? */
async function standbyCheck(cluster: PgCluster, database: string): Promise<string> {
  const on = (url: string) => {
    const u = new URL(url);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const [p] = await ownerQuery<{ n: string }>(on(cluster.primaryUrl), 'SELECT count(*)::text AS n FROM postal.items');
  const [s] = await ownerQuery<{ n: string }>(on(cluster.standbyUrl), 'SELECT count(*)::text AS n FROM postal.items');
  const [sc] = await ownerQuery<{ v: string }>(on(cluster.primaryUrl), "SELECT current_setting('synchronous_commit') AS v");
  return `database default synchronous_commit=${sc!.v}; items on the primary ${p!.n}, already applied on the standby ${s!.n}`;
}

async function main(): Promise<void> {
  const levels = LEVELS.filter((l) => WANTED.includes(l));
  const needsCluster = levels.some((l) => GROUP[l] === 'pg15');
  log(`Vaultmeter durability cost: ${CLIENTS} clients × ${SECONDS} s per level, ${MODULES} modules; levels ${levels.join(', ')}`);
  if (needsCluster && !pgClusterAvailable())
    throw new Error('the PostgreSQL 15 levels need Debian PostgreSQL 15 (apt-get install postgresql-15); or set BENCH_LEVELS=local,shipped');
  const results = new Map<Level, Measured>();
  const work = await mkdtemp(join(tmpdir(), 'vmdur-'));
  let cluster: PgCluster | null = null;
  try {
    await measureEmbedded(
      levels.filter((l) => GROUP[l] === 'embedded'),
      work,
      results,
    );
    const pgLevels = levels.filter((l) => GROUP[l] === 'pg15');
    if (pgLevels.length > 0) {
      log(`starting the PostgreSQL 15 primary + synchronous standby (fsync ${PG_FSYNC ? 'on' : 'off'})`);
      cluster = await startPgCluster({ synchronous: true, fsync: PG_FSYNC });
      await measurePg15(cluster, pgLevels, results);
    }
  } finally {
    await cluster?.stop().catch((e) => log(`could not stop the PostgreSQL 15 cluster: ${(e as Error).message}`));
    await rm(work, { recursive: true, force: true });
  }
  await report(results);
}

/** The levels on the embedded PostgreSQL, up at once and measured in alternating slices. */
async function measureEmbedded(levels: readonly Level[], work: string, results: Map<Level, Measured>): Promise<void> {
  const embedded: Running[] = [];
  try {
    for (const level of levels) {
      if (level === 'local') {
        embedded.push(await bringUp(level, { VAULTMETER_DURABILITY: 'local' }));
      } else {
        const dir = join(work, 'shipped-target');
        await mkdir(dir, { recursive: true });
        embedded.push(await bringUp(level, { VAULTMETER_DURABILITY: 'shipped', VAULTMETER_SHIP_TARGETS: dir }));
      }
    }
    if (embedded.length > 0) {
      log(
        `measuring ${embedded.map((r) => r.level).join(', ')}: ${ROUNDS} rounds × ${fmt(SECONDS / ROUNDS, 1)} s each (after ${WARMUP_SECONDS} s warm-up), ${CLIENTS} clients`,
      );
      await measureGroup(embedded, async (r) => {
        const version = (await ownerQuery<{ v: string }>(r.sys.ownerUrl, "SELECT current_setting('server_version') AS v"))[0]!.v;
        return r.level === 'shipped' ? `PostgreSQL ${version}; ${await shippedCheck(r.sys, `dir:${join(work, 'shipped-target')}`)}` : `PostgreSQL ${version}`;
      });
      for (const r of embedded) results.set(r.level, summarize(r));
    }
  } finally {
    await stopAll(embedded);
  }
}

/** The levels on the PostgreSQL 15 cluster, each in its own database, up at once and measured in alternating slices. */
async function measurePg15(c: PgCluster, pgLevels: readonly Level[], results: Map<Level, Measured>): Promise<void> {
  const version = (await ownerQuery<{ v: string }>(c.primaryUrl, "SELECT current_setting('server_version') AS v"))[0]!.v;
  log(`  PostgreSQL ${version}; primary :${c.primaryPort}, standby :${c.standbyPort}`);
  // Each level is its own installation in its own database of the one cluster, all up at once. They share the
  // cluster-wide role vaultmeter_app, whose password each start resets: let that role in from 127.0.0.1 without
  // one (the same for every level), so the earlier installations' connections keep working.
  const hba = join(c.dir, 'primary', 'pg_hba.conf');
  await writeFile(hba, `host all vaultmeter_app 127.0.0.1/32 trust\n${await readFile(hba, 'utf8')}`);
  await ownerQuery(c.primaryUrl, 'SELECT pg_reload_conf()');
  const group: Running[] = [];
  try {
    for (const level of pgLevels) {
      const database = `vm_bench_${level.replace(/-/g, '_')}`;
      await ownerQuery(c.primaryUrl, `CREATE DATABASE ${database}`);
      // pg15-local: the same cluster with the same standby streaming, but commits do not wait for it.
      if (level === 'pg15-local') await ownerQuery(c.primaryUrl, `ALTER DATABASE ${database} SET synchronous_commit = local`);
      const url = new URL(c.primaryUrl);
      url.pathname = `/${database}`;
      const dataDirs = [join(c.dir, 'primary'), join(c.dir, 'standby')];
      group.push(await bringUp(level, { DATABASE_URL: url.toString(), VAULTMETER_DURABILITY: level === 'replica' ? 'replica' : 'local' }, dataDirs));
    }
    const sync = await ownerQuery(c.primaryUrl, "SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND sync_state = 'sync'", [c.standbyName]);
    if (sync.length === 0) throw new Error('the standby is not synchronous');
    log(
      `measuring ${group.map((r) => r.level).join(', ')}: ${ROUNDS} rounds × ${fmt(SECONDS / ROUNDS, 1)} s each (after ${WARMUP_SECONDS} s warm-up), ${CLIENTS} clients`,
    );
    await measureGroup(group, (r) => standbyCheck(c, `vm_bench_${r.level.replace(/-/g, '_')}`));
    for (const r of group) results.set(r.level, summarize(r));
  } finally {
    await stopAll(group);
  }
}

/** The ratio within each round (a level and its baseline measured minutes apart at most), and its median. */
function roundRatios(results: Map<Level, Measured>, l: Level): { each: number[]; median: number } | null {
  const b = results.get(BASELINE[l]);
  const m = results.get(l)!;
  if (!b || l === BASELINE[l] || GROUP[l] !== GROUP[BASELINE[l]]) return null;
  const each = m.sliceItemsPerSec.map((x, i) => x / b.sliceItemsPerSec[i]!);
  const sorted = [...each].sort((a, z) => a - z);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { each: each.map((x) => round(x, 3)), median: round(median, 3) };
}

/** Writes bench/results/durability.json and durability.md, and prints the table. */
async function report(results: Map<Level, Measured>): Promise<void> {
  const ratio = (l: Level) => {
    const b = results.get(BASELINE[l]);
    const m = results.get(l)!;
    return b && b.itemsPerSec > 0 ? m.itemsPerSec / b.itemsPerSec : null;
  };
  const p50Ratio = (l: Level) => {
    const b = results.get(BASELINE[l]);
    return b ? results.get(l)!.latencyMs.p50 / b.latencyMs.p50 : null;
  };
  const rows = [...results.values()];
  const result = {
    at: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    clients: CLIENTS,
    seconds: SECONDS,
    rounds: ROUNDS,
    modules: MODULES,
    pg15Fsync: PG_FSYNC,
    levels: rows.map((m) => ({
      level: m.level,
      description: m.description,
      baseline: BASELINE[m.level],
      itemsPerSec: Math.round(m.itemsPerSec),
      sliceItemsPerSec: m.sliceItemsPerSec,
      latencyMs: { p50: round(m.latencyMs.p50, 1), p95: round(m.latencyMs.p95, 1), p99: round(m.latencyMs.p99, 1) },
      throughputRatio: ratio(m.level) === null ? null : round(ratio(m.level)!, 3),
      p50Ratio: p50Ratio(m.level) === null ? null : round(p50Ratio(m.level)!, 2),
      roundRatios: roundRatios(results, m.level),
      ok: m.ok,
      failed: m.failed,
      firstError: m.firstError,
      cpuSeconds: m.cpuSeconds,
      check: m.check,
    })),
  };
  const table = [
    `Durability cost: ${CLIENTS} clients × ${SECONDS} s per level (${ROUNDS} interleaved rounds), ${MODULES} modules, ${result.machine.cores} cores (${result.machine.cpu}), ${result.at.slice(0, 10)}; PostgreSQL 15 cluster fsync ${PG_FSYNC ? 'on' : 'off'}.`,
    '',
    '| level | items/s | per round | p50 ms | p99 ms | ÷ baseline (items/s) | per-round ÷ baseline (median) | p50 × baseline | failed |',
    '|---|---:|---|---:|---:|---|---|---:|---:|',
    ...result.levels.map(
      (l) =>
        `| ${l.level} | ${fmt(l.itemsPerSec)} | ${l.sliceItemsPerSec.join(' / ')} | ${fmt(l.latencyMs.p50, 1)} | ${fmt(l.latencyMs.p99, 1)} | ${l.level === l.baseline ? '1 (baseline)' : `${l.throughputRatio ?? 'n/a'} of ${l.baseline}`} | ${l.roundRatios ? `${l.roundRatios.each.join(' / ')} (${l.roundRatios.median})` : '–'} | ${l.level === l.baseline ? '1' : (l.p50Ratio ?? 'n/a')} | ${l.failed} |`,
    ),
    '',
    ...result.levels.map(
      (l) =>
        `- **${l.level}**: ${l.description}. ${l.check === 'n/a' ? '' : `Check: ${l.check}. `}CPU s while measured (postgres: its PostgreSQL servers, primary and standby for the PostgreSQL 15 levels): ${Object.entries(
          l.cpuSeconds,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
    ),
  ].join('\n');
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('durability.json', dir), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(new URL('durability.md', dir), `${table}\n`);
  log(`done; wrote bench/results/durability.json and durability.md`);
  process.stdout.write(`${table}\n`);
  if (rows.some((m) => m.ok === 0)) process.exitCode = 2;
}

await main();
