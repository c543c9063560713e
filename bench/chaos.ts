// npm run chaos: a fault suite anyone can run. An installation runs as in production (`vaultmeter
// start` under a service manager that starts it again, as the systemd unit does) while clients print
// through the full protocol. Each cycle kill -9s one process: a module, the shipper, the API server,
// PostgreSQL or the supervisor (every kind once per round, in a seeded random order). After each it
// measures the time until an item is acknowledged for a request sent after the kill, then pauses the
// load and checks that every acknowledged item is in the database with identical bytes, and, for every
// meter, that ar + dr equals its funding and ar equals the sum of its items.
//
// Writes bench/results/chaos.json and chaos.md; exits 1 if anything went wrong. `--help` lists the settings.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { KINDS, runChaos, type ChaosReport, type Kind } from './lib/chaos.js';
import { exitOnHelp, flag, int } from './lib/flags.js';

const HELP = `npm run chaos -- [options]

  --cycles N        kills, one per cycle (50)
  --clients N       clients printing at once, each with its own meter (4)
  --modules M       module processes (2)
  --interval-ms MS  load between kills (1500)
  --timeout-ms MS   a kill with no progress this long after it is a problem (60000)
  --seed S          the order of kills and victims (default: from the clock; printed, to repeat a run)
  --kinds LIST      comma-separated, of ${KINDS.join(', ')} (all)
  --out NAME        results as bench/results/NAME.json and NAME.md (chaos)

CHAOS_TRACE=1 prints the supervisors' last log lines (timestamped) after every cycle.
`;
exitOnHelp(HELP);

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]! : NaN);

function markdown(r: ChaosReport, seed: number): string {
  const rows = KINDS.filter((k) => r.recoveryMs[k]).map((k) => {
    const xs = r.recoveryMs[k]!;
    return `| ${k} | ${xs.length} | ${(median(xs) / 1000).toFixed(2)} | ${(Math.max(...xs) / 1000).toFixed(2)} |`;
  });
  return [
    `# npm run chaos`,
    '',
    `${r.cycles} cycles in ${r.seconds} s (seed ${seed}), ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} at the end.`,
    `${r.items} items acknowledged, ${r.checks} checks passed of ${r.cycles}; the supervisor was started ${r.supervisorStarts} times.`,
    `Problems: ${r.problems.length}. Refusals the clients saw: ${JSON.stringify(r.refusals)}.`,
    '',
    '| killed | times | progress again: median (s) | max (s) |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    ...r.problems.map((p) => `- cycle ${p.cycle} (${p.kind}): ${p.what}. Reproduce: \`${p.reproduce}\``),
    '',
  ].join('\n');
}

const seed = int('seed', Date.now() % 2 ** 31, 0);
const kinds = flag('kinds', KINDS.join(','))
  .split(',')
  .map((k) => k.trim()) as Kind[];
for (const k of kinds) if (!KINDS.includes(k)) throw new Error(`--kinds: unknown kind ${k} (one of ${KINDS.join(', ')})`);
const out = flag('out', 'chaos');
process.stdout.write(`chaos: seed ${seed}\n`);
const report = await runChaos({
  cycles: int('cycles', 50, 1),
  clients: int('clients', 4, 1),
  modules: int('modules', 2, 1),
  intervalMs: int('interval-ms', 1500, 0),
  recoverTimeoutMs: int('timeout-ms', 60_000, 1000),
  seed,
  kinds,
  log: (line) => process.stdout.write(`${line}\n`),
});
const dir = new URL('./results/', import.meta.url);
await mkdir(dir, { recursive: true });
await writeFile(new URL(`${out}.json`, dir), `${JSON.stringify({ seed, ...report }, null, 2)}\n`);
const md = markdown(report, seed);
await writeFile(new URL(`${out}.md`, dir), md);
process.stdout.write(`\n${md}`);
for (const p of report.problems) process.stdout.write(`\n--- cycle ${p.cycle} (${p.kind}): last log lines\n${p.log.join('\n')}\n`);
process.exit(report.problems.length > 0 ? 1 : 0);
