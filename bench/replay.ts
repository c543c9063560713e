// Replay speed (issue 4): how fast `vaultmeter recover` rolls a database forward from the shipped
// log. A real installation takes an (almost empty) backup, 64 clients print through the full
// protocol for a while, the log ships, the site is "lost", and `recover` rebuilds it into an empty
// home; its report gives the replay stage's wall time. In the same run, `audit verify` reads and
// checks the same log with no secret and no database: the baseline for "reading the log".
//
//   npm run bench:replay            (REPLAY_BENCH_SECONDS, REPLAY_BENCH_CLIENTS to change the load)

import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MeterClient } from '../src/sdk/index.js';
import { Profile, diskProfiles } from '../src/cli/index.js';
import { closedLoop, LeanClient } from './lib/driver.js';
import { startBenchSystem, type BenchSystem } from './lib/system.js';
import { officerFunder } from './lib/fund.js';
import { printParams } from './lib/print-params.js';

const SECONDS = Number(process.env.REPLAY_BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.REPLAY_BENCH_CLIENTS ?? 64);
const PW = 'benchmark password';
const CLI = join(import.meta.dirname, '..', 'bin', 'vaultmeter.js');
const log = (m: string) => process.stderr.write(`${m}\n`);

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code: code ?? 1, out, err, ms: Date.now() - t0 }));
  });
}

async function provision(sys: BenchSystem, n: number): Promise<LeanClient[]> {
  process.env.VAULTMETER_CLIENT_HOME = sys.clientHome;
  const fund = await officerFunder(sys.url, sys.officer);
  const clients: LeanClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await MeterClient.register(diskProfiles, sys.url, `replay${i}`, PW);
    await fund(`replay${i}`, '10000000');
    await c.balance();
    clients.push(new LeanClient(sys.url, c.meterId, c.sessionToken, await Profile.unlockWithPassword(`replay${i}`, PW)));
  }
  return clients;
}

async function waitShipped(ownerUrl: string, target: string): Promise<number> {
  const db = new pg.Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    for (;;) {
      const r = await db.query(
        `SELECT bool_and(COALESCE(s.last_seq, 0) = h.seq) AS done, sum(h.seq)::int AS records FROM (SELECT log_id, max(seq) AS seq FROM postal.txlog GROUP BY log_id) h
         LEFT JOIN postal.txlog_shipped s ON s.log_id = h.log_id AND s.target = $1`,
        [target],
      );
      if (r.rows[0].done) return r.rows[0].records as number;
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    await db.end();
  }
}

/** The figures the Markdown table shows; the JSON file has every field of the result. */
interface ReplayResult {
  replayed: number;
  replayRecordsPerSec: number;
  auditVerifyRecordsPerSec: number;
  replayVsVerify: number;
  recoverTotalMs: number;
}

/** Writes bench/results/replay.json and replay.md, and prints the table. */
async function writeResults(result: ReplayResult): Promise<void> {
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(join(import.meta.dirname, 'results', 'replay.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = [
    `| measure | value |`,
    `|---|---|`,
    `| log records replayed | ${result.replayed.toLocaleString('en-US')} |`,
    `| replay (open by a module, apply to PostgreSQL) | ${result.replayRecordsPerSec.toLocaleString('en-US')} records/s (goal 20,000) |`,
    `| \`audit verify\` of the same log (no database, no secret) | ${result.auditVerifyRecordsPerSec.toLocaleString('en-US')} records/s |`,
    `| replay ÷ verify | ${result.replayVsVerify} |`,
    `| recover end to end (verify log, restore, replay, re-seed) | ${(result.recoverTotalMs / 1000).toFixed(1)} s |`,
  ].join('\n');
  await writeFile(join(import.meta.dirname, 'results', 'replay.md'), `${md}\n`);
  process.stdout.write(`${md}\n`);
}

async function main(): Promise<void> {
  const vault = await mkdtemp(join(tmpdir(), 'vmreplay-'));
  await chmod(vault, 0o711);
  log(`replay bench: ${CLIENTS} clients print for ${SECONDS} s, then recover from the shipped log`);
  const sys = await startBenchSystem(2, {
    VAULTMETER_SHIP_INTERVAL_MS: '500',
    VAULTMETER_SEGMENT_RECORDS: '1000',
    VAULTMETER_BACKUP_INTERVAL_MS: '0',
    VAULTMETER_POOL_SIZE: '0',
  });
  let stopped = false;
  try {
    const env = { ...process.env, VAULTMETER_HOME: sys.home };
    const backup = await cli(['backup', 'create', '--to', vault, '--json'], env);
    if (backup.code !== 0) throw new Error(`backup failed: ${backup.err}`);
    const clients = await provision(sys, CLIENTS);
    log(`  provisioned ${CLIENTS} clients; printing for ${SECONDS} s`);
    const run = await closedLoop(clients, SECONDS, (c) => c.command('print', printParams()));
    log(`  printed ${run.ok} items (${Math.round(run.ok / SECONDS)}/s); waiting for the log to ship`);
    const shipDir = join(sys.home, 'shipped-log');
    const records = await waitShipped(sys.ownerUrl, `dir:${shipDir}`);
    await cp(shipDir, join(vault, 'log'), { recursive: true });
    await writeFile(join(vault, 'passphrase'), `${process.env.VAULTMETER_PASSPHRASE ?? 'benchmark passphrase, not for production'}\n`);
    await sys.stop();
    stopped = true;

    const verify = await cli(['audit', 'verify', join(vault, 'log'), '--json'], process.env);
    const verified = JSON.parse(verify.out);
    log(`  audit verify: ${verified.records} records in ${verify.ms} ms (no database, no secret)`);
    const backupFile = join(vault, 'backups', (await readdir(join(vault, 'backups')))[0]!);
    await mkdir(join(vault, 'home'), { mode: 0o711 });
    const recEnv: NodeJS.ProcessEnv = { ...process.env, VAULTMETER_HOME: join(vault, 'home') };
    delete recEnv.VAULTMETER_PASSPHRASE;
    const rec = await cli(['recover', '--backup', backupFile, '--log', join(vault, 'log'), '--passphrase-file', join(vault, 'passphrase'), '--json'], recEnv);
    if (rec.code !== 0) throw new Error(`recover failed: ${rec.err}`);
    const report = JSON.parse(rec.out);
    const verifyPerSec = Math.round((verified.records * 1000) / verify.ms);
    const result = {
      date: new Date().toISOString(),
      clients: CLIENTS,
      printSeconds: SECONDS,
      logRecords: records,
      replayed: report.replayedTotal,
      replayMs: report.timingsMs.replay,
      replayRecordsPerSec: report.replayRecordsPerSec,
      recoverTotalMs: report.timingsMs.total,
      stages: report.timingsMs,
      auditVerifyMs: verify.ms,
      auditVerifyRecordsPerSec: verifyPerSec,
      replayVsVerify: Number((report.replayRecordsPerSec / verifyPerSec).toFixed(3)),
      goalRecordsPerSec: 20_000,
      controlTotalMills: report.controlTotalMills,
    };
    await writeResults(result);
  } finally {
    if (!stopped) await sys.stop();
    // REPLAY_BENCH_KEEP=1 keeps the vault (backup, shipped log, passphrase) to profile `recover` again.
    if (process.env.REPLAY_BENCH_KEEP) log(`  kept the vault in ${vault}`);
    else await rm(vault, { recursive: true, force: true });
  }
}

await main();
