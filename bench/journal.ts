// npm run bench:journal: what the module's journal (src/module/journal.ts) costs, measured in one run.
//
//   1. Throughput A/B. The load of `npm run bench` (N clients with their own registered and funded meters
//      printing through the full client protocol over HTTP) on two installations up at once: `journal`
//      (this checkout's build) and `baseline` (a build of BENCH_BASELINE_REV, `main` before the journal).
//      They are measured in alternating slices over R rounds, the order rotating each round, so that a
//      machine whose speed drifts affects both alike; the idle system's log shipper is frozen meanwhile.
//   2. The journal's size at the default shipping interval (60 s; segments close at 1,000 records or
//      60 s) under that load: the journal system alone prints for BENCH_SIZE_SECONDS while every module's
//      `*.ring.journal` is sampled each second. The maximum, the final size and each release (a drop) are reported.
//   3. fsync micro-benchmark, in this process on the same disk (the temporary directory): `Journal.append`
//      of a 64-record batch against the ring's own per-batch write (`Ring.appendBatch`), interleaved.
//
// Writes bench/results/journal.json and journal.md, and prints the tables. `--help` lists the settings.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { closedLoop, percentile, type LeanClient } from './lib/driver.js';
import { buildBaseline, checkoutState, type BaselineBuild } from './lib/baseline.js';
import { journalVsRing, type MicroResult, type Timing } from './lib/fsync-micro.js';
import { findJournals, JournalSampler, summarizeSize, sumCounts, type JournalSample, type SizeSummary } from './lib/journal-size.js';
import { printParams } from './lib/print-params.js';
import { provisionClients } from './lib/provision.js';
import { shipperPids, signalPids } from './lib/shippers.js';
import { startBenchSystem, type BenchSystem } from './lib/system.js';

const HELP = `npm run bench:journal -- [options]   (flags win over the environment)

  --clients N         BENCH_CLIENTS        clients printing at once, each with its own meter (64, as npm run bench)
  --modules M         BENCH_MODULES        modules per installation (2)
  --seconds S         BENCH_SECONDS        A/B: measured seconds per system, over all rounds (40)
  --rounds R          BENCH_ROUNDS         A/B: rounds of one slice per system, the order rotating (4)
  --size-seconds S    BENCH_SIZE_SECONDS   journal size: seconds of load at the default shipping interval (150; 0 skips)
  --baseline-rev REV  BENCH_BASELINE_REV   the build to compare with (6e19802: main before the journal)
  --micro-calls N     BENCH_MICRO_CALLS    fsync micro-benchmark: timed batches of each write (500; 0 skips)
  --micro-batch N     BENCH_MICRO_BATCH    records per batch in the micro-benchmark (64)
  --micro-body N      BENCH_MICRO_BODY     body padding per record, in bytes, so a line is as long as a live print record's (2400: ~4.1 KB lines)

The baseline is built once into BENCH_BASELINE_DIR (default: $TMPDIR/vaultmeter-bench-baseline-<commit>)
from \`git archive\`, with this checkout's node_modules linked in. The shipping settings are left at their
defaults: VAULTMETER_SHIP_INTERVAL_MS, VAULTMETER_SEGMENT_*, VAULTMETER_DURABILITY and VAULTMETER_SHIP_TARGETS
are removed from the systems' environment (durability local, a directory target in each home).
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}

function setting(flag: string, envName: string, fallback: string): string {
  const at = process.argv.indexOf(`--${flag}`);
  if (at > 0 && process.argv[at + 1]) return process.argv[at + 1]!;
  return process.env[envName] || fallback;
}
function bounded(flag: string, envName: string, fallback: string, min: number, max: number): number {
  const value = Number(setting(flag, envName, fallback));
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${flag} (${envName}) must be an integer from ${min} to ${max}`);
  return value;
}

const CLIENTS = bounded('clients', 'BENCH_CLIENTS', '64', 1, 512);
const MODULES = bounded('modules', 'BENCH_MODULES', '2', 1, 16);
const SECONDS = bounded('seconds', 'BENCH_SECONDS', '40', 1, 600);
const ROUNDS = bounded('rounds', 'BENCH_ROUNDS', '4', 1, 20);
const SIZE_SECONDS = bounded('size-seconds', 'BENCH_SIZE_SECONDS', '150', 0, 3600);
const BASELINE_REV = setting('baseline-rev', 'BENCH_BASELINE_REV', '6e19802');
const MICRO_CALLS = bounded('micro-calls', 'BENCH_MICRO_CALLS', '500', 0, 100_000);
const MICRO_BATCH = bounded('micro-batch', 'BENCH_MICRO_BATCH', '64', 1, 1000);
const MICRO_BODY = bounded('micro-body', 'BENCH_MICRO_BODY', '2400', 0, 100_000);
const WARMUP_SECONDS = 1;
/** A fresh installation is slow for its first seconds (caches, JIT, the first checkpoints): each system warms up once for this long first. */
const FIRST_WARMUP_SECONDS = 5;
const SAMPLE_MS = 1000;
/** The settings that would change shipping, removed so that both systems ship at the defaults. */
const SYSTEM_ENV: NodeJS.ProcessEnv = {
  VAULTMETER_POOL_SIZE: '0',
  VAULTMETER_LOG: '',
  VAULTMETER_SHIP_INTERVAL_MS: undefined,
  VAULTMETER_SEGMENT_RECORDS: undefined,
  VAULTMETER_SEGMENT_MAX_AGE_MS: undefined,
  VAULTMETER_DURABILITY: undefined,
  VAULTMETER_SHIP_TARGETS: undefined,
};

const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const log = (m: string) => process.stderr.write(`[${elapsed().toFixed(0).padStart(4)} s] ${m}\n`);
const fmt = (n: number | null, digits = 0) =>
  n === null || Number.isNaN(n) ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

type Name = 'journal' | 'baseline';

/** What a system's supervisor logged that matters here: journal releases, and anything that looks wrong. */
class LogWatch {
  readonly releases: { atS: number; line: string }[] = [];
  readonly odd: { atS: number; line: string }[] = [];
  oddCount = 0;
  lines = 0;

  line(l: string): void {
    this.lines++;
    if (/journal released/.test(l)) this.releases.push({ atS: round(elapsed(), 1), line: l });
    else if (/error|fail|alarm|refus|stale|exited|died|restart/i.test(l)) {
      this.oddCount++;
      if (this.odd.length < 20) this.odd.push({ atS: round(elapsed(), 1), line: l.slice(0, 400) });
    }
  }
}

interface Slice {
  ok: number;
  failed: number;
  firstError: string | null;
  latenciesMs: number[];
  seconds: number;
  /** The 1-minute load average at the end of the slice (this benchmark's own load included). */
  load1: number;
}

interface Running {
  name: Name;
  sys: BenchSystem;
  clients: LeanClient[];
  /** Registrations refused while provisioning and made again under another name. */
  retries: string[];
  shippers: number[];
  slices: Slice[];
  logs: LogWatch;
}

async function bringUp(name: Name, cli: string | undefined): Promise<Running> {
  log(`── ${name}: starting the system (${MODULES} modules${cli ? `, ${cli}` : ', this checkout'})`);
  const logs = new LogWatch();
  const sys = await startBenchSystem(MODULES, SYSTEM_ENV, { ...(cli ? { cli } : {}), onStderr: (l) => logs.line(l) });
  try {
    const { clients, retries } = await provisionClients(sys, CLIENTS, log);
    return { name, sys, clients, retries, shippers: await shipperPids(sys.home), slices: [], logs };
  } catch (e) {
    await sys.stop();
    throw e;
  }
}

const print = (c: LeanClient) => c.command('print', printParams());

/** ROUNDS rounds of one slice per system, the order rotating; only the measured system's shipper runs. */
async function measureAB(group: Running[]): Promise<void> {
  const sliceSeconds = SECONDS / ROUNDS;
  log(
    `measuring ${group.map((r) => r.name).join(', ')}: ${ROUNDS} rounds × ${fmt(sliceSeconds, 1)} s each (after ${WARMUP_SECONDS} s warm-up), ${CLIENTS} clients`,
  );
  try {
    for (const r of group) await closedLoop(r.clients, FIRST_WARMUP_SECONDS, print);
    for (let rnd = 0; rnd < ROUNDS; rnd++) {
      for (let k = 0; k < group.length; k++) {
        const r = group[(rnd + k) % group.length]!;
        for (const other of group) if (other !== r) signalPids(other.shippers, 'SIGSTOP');
        r.shippers = await shipperPids(r.sys.home);
        signalPids(r.shippers, 'SIGCONT');
        await closedLoop(r.clients, WARMUP_SECONDS, print);
        const run = await closedLoop(r.clients, sliceSeconds, print);
        r.slices.push({
          ok: run.ok,
          failed: run.failed,
          firstError: run.firstError,
          latenciesMs: run.latenciesMs,
          seconds: sliceSeconds,
          load1: loadavg()[0]!,
        });
        const p50 = percentile(
          [...run.latenciesMs].sort((a, b) => a - b),
          50,
        );
        log(
          `  round ${rnd + 1}/${ROUNDS} ${r.name.padEnd(8)} ${fmt(run.ok / sliceSeconds).padStart(6)} items/s, p50 ${fmt(p50, 1)} ms, failed ${run.failed}${run.firstError ? ` (${run.firstError})` : ''}, load ${fmt(loadavg()[0]!, 2)}`,
        );
      }
    }
  } finally {
    for (const r of group) signalPids(r.shippers, 'SIGCONT');
  }
}

interface Measured {
  name: Name;
  itemsPerSec: number;
  sliceItemsPerSec: number[];
  sliceLoad1: number[];
  ok: number;
  failed: number;
  firstError: string | null;
  latencyMs: { p50: number; p95: number; p99: number };
}

function summarize(r: Running): Measured {
  const all = r.slices.flatMap((s) => s.latenciesMs).sort((a, b) => a - b);
  const ok = r.slices.reduce((n, s) => n + s.ok, 0);
  const seconds = r.slices.reduce((n, s) => n + s.seconds, 0);
  return {
    name: r.name,
    itemsPerSec: round(ok / seconds, 1),
    sliceItemsPerSec: r.slices.map((s) => Math.round(s.ok / s.seconds)),
    sliceLoad1: r.slices.map((s) => round(s.load1, 2)),
    ok,
    failed: r.slices.reduce((n, s) => n + s.failed, 0),
    firstError: r.slices.find((s) => s.firstError)?.firstError ?? null,
    latencyMs: { p50: round(percentile(all, 50), 1), p95: round(percentile(all, 95), 1), p99: round(percentile(all, 99), 1) },
  };
}

interface SizeRun {
  seconds: number;
  itemsPerSec: number;
  failed: number;
  firstError: string | null;
  latencyMs: { p50: number; p99: number };
  journals: string[];
  atStart: Record<string, { bytes: number; records: number }>;
  summary: SizeSummary;
  /** The shipper's own account of each release during the phase (seconds since the phase began). */
  shipperReleases: { atS: number; line: string }[];
  /** Items/s each second (from the samples), to see whether a release pass dents the throughput. */
  itemsPerSecond: { min: number; max: number; median: number };
  samples: JournalSample[];
}

/** The journal system alone, at the default shipping interval, for SIZE_SECONDS; its journals sampled every second. */
async function sizePhase(r: Running): Promise<SizeRun> {
  const journals = await findJournals(r.sys.home);
  if (journals.length === 0) throw new Error(`no *.ring.journal under ${r.sys.home}: is this checkout's build the journal one?`);
  signalPids(await shipperPids(r.sys.home), 'SIGCONT');
  log(`journal size: ${CLIENTS} clients print for ${SIZE_SECONDS} s on the journal system; sampling ${journals.length} journal(s) every ${SAMPLE_MS} ms`);
  let items = 0;
  const phaseStart = elapsed();
  const sampler = new JournalSampler(
    journals,
    SAMPLE_MS,
    () => items,
    (s) => {
      if (Math.round(s.t) % 10 !== 0 || s.t < 1) return;
      const t = sumCounts(Object.values(s.journals));
      log(
        `  ${fmt(s.t).padStart(4)} s: journals ${fmt(t.bytes)} bytes, ${fmt(t.records)} records (${Object.entries(s.journals)
          .map(([m, c]) => `${m} ${fmt(c.records)}`)
          .join(', ')})`,
      );
    },
  );
  sampler.start();
  const run = await closedLoop(r.clients, SIZE_SECONDS, async (c) => {
    await print(c);
    items++;
  });
  const samples = await sampler.stop();
  const first = samples[0]!;
  // Per-second rates while the load ran (the last sample is taken after the loop ends).
  const rates = samples.slice(1, -1).map((s, i) => (s.items - samples[i]!.items) / (s.t - samples[i]!.t));
  const lat = [...run.latenciesMs].sort((a, b) => a - b);
  return {
    seconds: SIZE_SECONDS,
    itemsPerSec: round(run.ok / SIZE_SECONDS, 1),
    failed: run.failed,
    firstError: run.firstError,
    latencyMs: { p50: round(percentile(lat, 50), 1), p99: round(percentile(lat, 99), 1) },
    journals,
    atStart: Object.fromEntries(Object.entries(first.journals).map(([m, c]) => [m, { bytes: c.bytes, records: c.records }])),
    summary: summarizeSize(samples),
    shipperReleases: r.logs.releases.filter((x) => x.atS >= phaseStart).map((x) => ({ atS: round(x.atS - phaseStart, 1), line: x.line })),
    itemsPerSecond: rates.length
      ? { min: Math.round(Math.min(...rates)), max: Math.round(Math.max(...rates)), median: Math.round(median(rates)) }
      : { min: 0, max: 0, median: 0 },
    samples,
  };
}

async function stopAll(group: Running[]): Promise<void> {
  for (const r of group) {
    signalPids(r.shippers, 'SIGCONT');
    log(`  stopping the ${r.name} system`);
    await r.sys.stop().catch((e) => log(`  could not stop the ${r.name} system: ${(e as Error).message}`));
  }
}

type LogSummary = { lines: number; oddCount: number; odd: { atS: number; line: string }[]; registrationRetries: string[] };
const logSummary = (r: Running): LogSummary => ({ lines: r.logs.lines, oddCount: r.logs.oddCount, odd: [...r.logs.odd], registrationRetries: r.retries });

interface Outcome {
  ab: Measured[];
  size: SizeRun | null;
  logs: Partial<Record<Name, LogSummary>>;
}

/** Both systems up, the A/B, then the baseline stopped and the size phase on the journal system alone. */
async function systems(baseline: BaselineBuild): Promise<Outcome> {
  const group: Running[] = [];
  const logs: Outcome['logs'] = {};
  try {
    group.push(await bringUp('baseline', baseline.cli));
    group.push(await bringUp('journal', undefined));
    await measureAB(group);
    const ab = group.map(summarize);
    const base = group.shift()!;
    logs.baseline = logSummary(base);
    await stopAll([base]);
    const journal = group[0]!;
    const size = SIZE_SECONDS > 0 ? await sizePhase(journal) : null;
    logs.journal = logSummary(journal);
    return { ab, size, logs };
  } finally {
    await stopAll(group);
  }
}

/** The A/B ratio overall and round by round (each round's two slices ran back to back). */
function abRatio(ab: Measured[]) {
  const [b, j] = [ab.find((m) => m.name === 'baseline')!, ab.find((m) => m.name === 'journal')!];
  const perRound = j.sliceItemsPerSec.map((x, i) => round(x / b.sliceItemsPerSec[i]!, 3));
  return {
    itemsPerSec: round(j.itemsPerSec / b.itemsPerSec, 3),
    perRound,
    medianPerRound: round(median(perRound), 3),
    p50: round(j.latencyMs.p50 / b.latencyMs.p50, 2),
    p99: round(j.latencyMs.p99 / b.latencyMs.p99, 2),
  };
}

type Result = ReturnType<typeof resultOf>;

function resultOf(checkout: { sha: string; dirty: boolean }, baseline: BaselineBuild, o: Outcome, micro: MicroResult | null, loadStart: number[]) {
  const os = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version };
  return {
    at: new Date().toISOString(),
    machine: { ...os, loadAverage: { atStart: loadStart.map((x) => round(x, 2)), atEnd: loadavg().map((x) => round(x, 2)) } },
    settings: {
      clients: CLIENTS,
      modules: MODULES,
      seconds: SECONDS,
      rounds: ROUNDS,
      sliceSeconds: round(SECONDS / ROUNDS, 2),
      warmupSeconds: WARMUP_SECONDS,
      sizeSeconds: SIZE_SECONDS,
    },
    shipping: 'defaults: VAULTMETER_SHIP_INTERVAL_MS 60000, segments close at 1,000 records or 60 s, durability local, a directory target in the home',
    builds: {
      journal: { what: 'this checkout (npm run build)', sha: checkout.sha, uncommittedChanges: checkout.dirty },
      baseline: { rev: baseline.rev, sha: baseline.sha, dir: baseline.dir, cached: baseline.cached, dependencyDrift: baseline.dependencyDrift },
    },
    throughput: { systems: o.ab, journalToBaseline: abRatio(o.ab) },
    size: o.size,
    micro,
    logs: o.logs,
  };
}

function abTable(r: Result): string[] {
  const ratio = r.throughput.journalToBaseline;
  const rows = r.throughput.systems.map((m) => {
    const build =
      m.name === 'baseline'
        ? r.builds.baseline.sha.startsWith(r.builds.baseline.rev)
          ? r.builds.baseline.rev
          : `${r.builds.baseline.rev}, ${r.builds.baseline.sha.slice(0, 7)}`
        : `${r.builds.journal.sha.slice(0, 7)}${r.builds.journal.uncommittedChanges ? ' + work tree' : ''}`;
    return `| ${m.name} (${build}) | ${fmt(m.itemsPerSec)} | ${m.sliceItemsPerSec.join(' / ')} | ${fmt(m.latencyMs.p50, 1)} | ${fmt(m.latencyMs.p95, 1)} | ${fmt(m.latencyMs.p99, 1)} | ${m.failed} |`;
  });
  return [
    `**Throughput A/B**: ${r.settings.clients} clients, ${r.settings.modules} modules, ${r.settings.rounds} interleaved rounds × ${fmt(r.settings.sliceSeconds, 1)} s per system (after ${FIRST_WARMUP_SECONDS} s of warm-up per system, then ${WARMUP_SECONDS} s before each slice), both systems up at once, the idle one's shipper frozen.`,
    '',
    '| system | items/s | per round | p50 ms | p95 ms | p99 ms | failed |',
    '|---|---:|---|---:|---:|---:|---:|',
    ...rows,
    `| **journal ÷ baseline** | **${ratio.itemsPerSec}** | ${ratio.perRound.join(' / ')} (median ${ratio.medianPerRound}) | × ${ratio.p50} | | × ${ratio.p99} | |`,
    '',
    `1-minute load average at the end of each slice (this benchmark's own load included): ${r.throughput.systems.map((m) => `${m.name} ${m.sliceLoad1.join(' / ')}`).join('; ')}.`,
  ];
}

function sizeTable(r: Result): string[] {
  const z = r.size;
  if (!z) return ['**Journal size**: skipped (--size-seconds 0).'];
  const c = (bytes: number, records: number) => `${fmt(bytes)} B / ${fmt(records)}`;
  const mods = Object.entries(z.summary.perModule).map(
    ([m, x]) =>
      `| ${m} | ${c(x.max.bytes, x.max.records)} | ${fmt(x.maxAtS, 0)} | ${c(x.final.bytes, x.final.records)} | ${fmt(z.atStart[m]?.records ?? 0)} | ${x.releases} |`,
  );
  const t = z.summary.total;
  return [
    `**Journal size at the default shipping interval** (60 s; segments close at 1,000 records or 60 s): the journal system alone, ${r.settings.clients} clients × ${z.seconds} s, ${fmt(z.itemsPerSec)} items/s (per second: median ${fmt(z.itemsPerSecond.median)}, min ${fmt(z.itemsPerSecond.min)}, max ${fmt(z.itemsPerSecond.max)}; p50 ${fmt(z.latencyMs.p50, 1)} ms, p99 ${fmt(z.latencyMs.p99, 1)} ms; failed ${z.failed}), every journal sampled each second. Records = record lines${z.summary.recordLineBytes ? ` (about ${fmt(z.summary.recordLineBytes)} bytes each)` : ''}; the rest of a file is its header, one \`confirmed\` line per confirmation and, after a release, \`mark\` lines.`,
    '',
    '| journal | max (bytes / records) | max at s | final (bytes / records) | records at start | drops seen |',
    '|---|---:|---:|---:|---:|---:|',
    ...mods,
    `| all modules | ${c(t.maxBytes, t.maxRecords)} | ${fmt(t.maxAtS, 0)} | ${c(t.finalBytes, t.finalRecords)} | ${fmt(Object.values(z.atStart).reduce((a, x) => a + x.records, 0))} | ${z.summary.releases.length} |`,
    '',
    'Sawtooth (each drop: the sample just before → just after a release):',
    '',
    '| at s | journal | before (bytes / records) | after (bytes / records) |',
    '|---:|---|---:|---:|',
    ...z.summary.releases.map((x) => `| ${fmt(x.t, 0)} | ${x.module} | ${c(x.before.bytes, x.before.records)} | ${c(x.after.bytes, x.after.records)} |`),
    ...(z.summary.releases.length === 0 ? ['| – | no drop seen | | |'] : []),
    '',
    `Shipper log during the phase: ${z.shipperReleases.length ? z.shipperReleases.map((x) => `${fmt(x.atS, 0)} s: ${x.line.replace(/^.*?(module )/, '$1')}`).join('; ') : 'no release logged'}.`,
  ];
}

function microTable(r: Result): string[] {
  const m = r.micro;
  if (!m) return ['**fsync micro-benchmark**: skipped (--micro-calls 0).'];
  const row = (name: string, t: Timing) => `| ${name} | ${fmt(t.meanUs)} | ${fmt(t.p50Us)} | ${fmt(t.p90Us)} | ${fmt(t.p99Us)} | ${fmt(t.maxUs)} |`;
  return [
    `**fsync micro-benchmark**: ${m.calls} batches of ${m.batch} records (after ${m.warmup} untimed), each \`Journal.append\` then \`Ring.appendBatch\`, in one process, files in ${m.dir} (journal lines ~${fmt(m.journalLineBytes)} bytes, ring file ${fmt(m.ringFileBytes)} bytes).`,
    '',
    '| write per batch | mean µs | p50 µs | p90 µs | p99 µs | max µs |',
    '|---|---:|---:|---:|---:|---:|',
    row('Journal.append (one write + fdatasync)', m.journal),
    row('Ring.appendBatch (temp file + fsync + rename + directory fsync)', m.ring),
    `| **journal ÷ ring** | **${m.ratio.mean}** | ${m.ratio.p50} | | | |`,
  ];
}

/** Writes bench/results/journal.json and journal.md, and prints the tables. */
async function report(checkout: { sha: string; dirty: boolean }, baseline: BaselineBuild, o: Outcome, micro: MicroResult | null, loadStart: number[]) {
  const r = resultOf(checkout, baseline, o, micro, loadStart);
  const odd = Object.entries(r.logs).flatMap(([n, l]) => (l && l.oddCount ? [`${n}: ${l.oddCount} line(s), first: ${l.odd[0]?.line}`] : []));
  const retries = Object.entries(r.logs).flatMap(([n, l]) => (l?.registrationRetries ?? []).map((x) => `${n} ${x}`));
  const md = [
    `Journal cost, measured by \`npm run bench:journal\` on ${r.at.slice(0, 10)}: ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, load average at start ${r.machine.loadAverage.atStart.join(' ')}.`,
    '',
    ...abTable(r),
    '',
    ...sizeTable(r),
    '',
    ...microTable(r),
    '',
    `Supervisor log lines that look wrong (error, fail, alarm, refused, stale, exited): ${odd.length ? odd.join('; ') : 'none'}.`,
    `Registrations refused while provisioning (made again under another name): ${retries.length ? retries.join('; ') : 'none'}.`,
  ].join('\n');
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('journal.json', dir), `${JSON.stringify(r, null, 2)}\n`);
  await writeFile(new URL('journal.md', dir), `${md}\n`);
  log('done; wrote bench/results/journal.json and journal.md');
  process.stdout.write(`${md}\n`);
  if (r.throughput.systems.some((m) => m.ok === 0)) process.exitCode = 2;
}

async function main(): Promise<void> {
  log(
    `Vaultmeter journal cost: ${CLIENTS} clients, ${MODULES} modules; A/B ${SECONDS} s per system in ${ROUNDS} rounds; size ${SIZE_SECONDS} s; micro ${MICRO_CALLS} × ${MICRO_BATCH} records`,
  );
  for (const k of Object.keys(SYSTEM_ENV))
    if (SYSTEM_ENV[k] === undefined && process.env[k] !== undefined) log(`  note: ${k} is set here; the systems run without it`);
  const loadStart = loadavg();
  const checkout = await checkoutState();
  const baseline = await buildBaseline(BASELINE_REV, log);
  log(`baseline ${BASELINE_REV} = ${baseline.sha.slice(0, 12)} (${baseline.cached ? 'cached build' : 'built now'}: ${baseline.dir})`);
  if (baseline.dependencyDrift.length) log(`  note: dependencies differ from the baseline's package.json: ${baseline.dependencyDrift.join('; ')}`);
  let micro: MicroResult | null = null;
  if (MICRO_CALLS > 0) {
    log(`fsync micro-benchmark: ${MICRO_CALLS} batches of ${MICRO_BATCH} records, Journal.append then Ring.appendBatch, in ${tmpdir()}`);
    micro = await journalVsRing({ calls: MICRO_CALLS, batch: MICRO_BATCH, bodyBytes: MICRO_BODY, warmup: Math.min(20, MICRO_CALLS) }, log);
    log(`  journal ${fmt(micro.journal.meanUs)} µs, ring ${fmt(micro.ring.meanUs)} µs per batch (mean); ratio ${micro.ratio.mean}`);
  }
  const outcome = await systems(baseline);
  await report(checkout, baseline, outcome, micro, loadStart);
}

await main();
