// npm run fuzz: requests generated with fast-check from the running server's /openapi.json, against a
// real installation with funded customers, printed items and officers (bench/lib/fuzz.ts). Counts every
// status per route; keeps every 5xx with the request that caused it; watches the API server for crashes
// (its pid changes, or /v1/health stops answering); and checks after every chunk that value-bearing
// state moved only as the fuzzer's correctly signed requests (the replay baselines) account for.
//
// Writes bench/results/NAME.json and NAME.md; exits 1 on any 5xx, crash or unexplained change.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { runFuzz, type FuzzReport } from './lib/fuzz.js';
import { exitOnHelp, flag, int } from './lib/flags.js';

const HELP = `npm run fuzz -- [options]

  --requests N      fuzzed requests (20000: a few minutes on 2 cores)
  --seed S          the plans drawn (default: from the clock; printed, to repeat a run)
  --concurrency N   requests in flight at once (8)
  --chunk N         requests between two checks of the state and the API server (500)
  --out NAME        results as bench/results/NAME.json and NAME.md (fuzz)

Each chunk also sends one correctly signed request (a print, an officer's funding or a balance) and
replays it three ways (as it was, with a fresh Idempotency-Key, with none): each must be refused, or
be the stored answer of its key. Only those baselines may move value: after each chunk every
customer's registers (an authenticated balance), the items and their sum, the fundings and their
sum, registered customers, officers, approvals, meter statuses, module states, the halt and the audit
trail must be exactly what they were plus what the baselines account for. Unsigned requests may
legitimately begin registrations (claimed meters, a refilled pool), record scans (POST /v1/verify),
audit meters (an officer's Basic login), redeem the ticket the fuzzer holds, open and end sessions,
and write log records; the report lists those counts.
`;
exitOnHelp(HELP);

function table(rows: Record<string, Record<string, number>>, first: string): string[] {
  const cols = [...new Set(Object.values(rows).flatMap((r) => Object.keys(r)))].sort();
  return [
    `| ${first} | ${cols.join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    ...Object.entries(rows)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, r]) => `| \`${k}\` | ${cols.map((c) => r[c] ?? '').join(' | ')} |`),
  ];
}

function markdown(r: FuzzReport): string {
  return [
    '# npm run fuzz',
    '',
    `${r.requests} requests in ${r.seconds} s (${r.requestsPerSec} requests/s while fuzzing; setup ${r.setupSeconds} s), seed ${r.seed}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)} at the end.`,
    `5xx: ${r.serverErrorCount}. Crashes: ${r.crashes.length}. Unexplained changes: ${r.unexplained.length}.`,
    `Baselines: ${JSON.stringify(r.baselines)}; replays sent ${r.replays.sent}, refused ${r.replays.refused}, answered from the stored answer of their key ${r.replays.idempotentReplays}, accepted ${r.replays.accepted}.`,
    '',
    '## Status counts per route',
    '',
    ...table(r.statusByRoute, 'route'),
    '',
    '## Status classes per strategy',
    '',
    ...table(r.statusByStrategy, 'strategy'),
    '',
    '## 5xx',
    '',
    ...(r.serverErrors.length
      ? r.serverErrors.map((e) => `- #${e.index} \`${e.route}\` (${e.strategy}) ${e.status}: ${e.answer.slice(0, 200)}\n  \`${e.curl}\``)
      : ['None.']),
    '',
    '## Crashes',
    '',
    ...(r.crashes.length
      ? r.crashes.map((c) => `- after request ${c.afterRequest}: ${c.what}; last requests:\n${c.lastRequests.map((l) => `  - ${l}`).join('\n')}`)
      : ['None.']),
    '',
    '## Unexplained changes',
    '',
    ...(r.unexplained.length ? r.unexplained.map((u) => `- after request ${u.afterRequest}: ${u.what}`) : ['None.']),
    '',
    '## Other findings (not failures)',
    '',
    `- Oversized bodies not answered 413: ${JSON.stringify(r.oversizeNot413)}`,
    `- 4xx answers that are not problem JSON: ${JSON.stringify(r.notProblemJson)}`,
    `- Requests without an answer: ${JSON.stringify(r.transportErrors)}`,
    '',
    '## Explained changes (totals at the end)',
    '',
    ...Object.entries(r.explained).map(([k, v]) => `- ${k}: ${v}`),
    '',
  ].join('\n');
}

const seed = int('seed', Date.now() % 2 ** 31, 0);
const out = flag('out', 'fuzz');
process.stdout.write(`fuzz: seed ${seed}\n`);
const report = await runFuzz({
  requests: int('requests', 20_000, 1),
  seed,
  concurrency: int('concurrency', 8, 1),
  chunk: int('chunk', 500, 10),
  progressEvery: 2000,
  log: (line) => process.stdout.write(`${line}\n`),
});
const dir = new URL('./results/', import.meta.url);
await mkdir(dir, { recursive: true });
await writeFile(new URL(`${out}.json`, dir), `${JSON.stringify(report, null, 2)}\n`);
const md = markdown(report);
await writeFile(new URL(`${out}.md`, dir), md);
process.stdout.write(`\n${md}`);
process.exit(report.serverErrorCount + report.crashes.length + report.unexplained.length > 0 ? 1 : 0);
