import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeterClient } from '../../src/sdk/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import type { VaultError } from '../../src/errors.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs } from './api-client.js';
import { CLI, runCli, startSystem, type CliResult } from './harness.js';
import { shippedTo, until } from './wait.js';
import type { LooseJson } from '../helpers/loose-json.js';

// `vaultmeter recover` when things are wrong: a tampered backup, a backup that does not chain to the
// CA the operator trusts, a tampered shipped log, a home that is not empty, an interrupted run, and
// bad usage. Every refusal must be exit status 1 with a JSON error naming what is wrong and where,
// must leave no database running for the target home, and must not leave anything behind that
// stops a later, correct recover.

const PW = 'correct horse battery';
const CUSTOMERS = 3;
const FUND = 1_000_000n;
const PRINT_ROUNDS = 20; // × 3 customers: 60 items after the backup
const today = () => new Date().toISOString().slice(0, 10);

interface Segment {
  readonly logId: string;
  readonly key: string; // logs/<logId>/<first>-<last>.seg
  readonly first: bigint;
  readonly last: bigint;
}

interface Vault {
  readonly dir: string;
  readonly backup: string;
  readonly log: string;
  readonly passphrase: string;
  readonly backupId: string;
  readonly logPosition: Record<string, string>;
  readonly segments: readonly Segment[];
}

/** The report fields that must not depend on how the recovery got there. */
const totalsOf = (r: LooseJson) => ({
  meters: r.meters,
  items: r.items,
  arMills: r.arMills,
  drMills: r.drMills,
  controlTotalMills: r.controlTotalMills,
  lastSeq: r.lastSeq,
});

/** The segments of a shipped log directory, by log and then by first record. */
async function segmentsIn(logDir: string): Promise<Segment[]> {
  const segments: Segment[] = [];
  for (const logId of await readdir(join(logDir, 'logs'))) {
    for (const f of await readdir(join(logDir, 'logs', logId))) {
      const m = /^(\d{20})-(\d{20})\.seg$/.exec(f);
      if (m) segments.push({ logId, key: `logs/${logId}/${f}`, first: BigInt(m[1]!), last: BigInt(m[2]!) });
    }
  }
  segments.sort((a, b) => a.logId.localeCompare(b.logId) || (a.first < b.first ? -1 : 1));
  return segments;
}

/** Processes whose command line names this home (PostgreSQL's `-D <home>/pg`, the modules' keystores). */
function processesOf(home: string): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes(`${home}/`))
    .map((l) => ({ pid: Number(l.split(/\s+/, 1)[0]), args: l.slice(l.indexOf(' ') + 1) }));
}

/** End leftovers of an interrupted recover of this home (processes our own test started), by pid. */
async function reapProcessesOf(home: string): Promise<void> {
  for (const p of processesOf(home)) {
    try {
      process.kill(p.pid, p.args.includes('postgres') ? 'SIGINT' : 'SIGTERM'); // SIGINT: PostgreSQL's fast shutdown
    } catch {
      /* already gone */
    }
  }
  await until('the leftover processes to exit', async () => processesOf(home).length === 0, 15_000).catch(() => {
    for (const p of processesOf(home)) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });
}

function expectNothingRunningFor(home: string): void {
  expect(processesOf(home), `processes still running for ${home}`).toEqual([]);
}

/** Ask a running module, over its socket, to sign manifests the caller made up (what any socket peer could try). */
async function askToSignForeignManifests(socket: string, backupId: string, logPosition: Record<string, string>): Promise<PromiseSettledResult<unknown>[]> {
  const m = new ModuleConnection(socket);
  try {
    const later = Object.fromEntries(Object.entries(logPosition).map(([id, seq]) => [id, String(BigInt(seq) + 1000n)]));
    const forged = {
      backupId: 'forged-00000001',
      sha256: 'ab'.repeat(32),
      createdAt: new Date().toISOString(),
      logPosition: later,
      tables: ['postal.meters'],
      chunks: 1,
    };
    return await Promise.allSettled([
      m.call('signBackup', forged as never),
      m.call('signBackup', { backupId, tables: ['postal.meters'] }),
      m.call('signBackup', { backupId: 'forged-00000002', tables: ['postal.meters'] }),
    ]);
  } finally {
    m.close();
  }
}

describe('vaultmeter recover: unhappy paths', () => {
  let work = '';
  let vault: Vault;
  let homeCount = 0;
  let signingOracle: PromiseSettledResult<unknown>[] = [];

  /** A fresh, empty home directory (PostgreSQL's own user must be able to reach it when run as root). */
  const freshHome = async (name: string): Promise<string> => {
    const h = join(work, `home-${++homeCount}-${name}`);
    await mkdir(h, { mode: 0o711 });
    await chmod(h, 0o711);
    return h;
  };
  const envFor = (home: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, VAULTMETER_HOME: home };
    delete env.VAULTMETER_PASSPHRASE;
    delete env.DATABASE_URL; // always the embedded database of the target home
    return env;
  };
  const recoverArgs = (o: { backup?: string; log?: string; extra?: string[] } = {}) => [
    'recover',
    '--backup',
    o.backup ?? vault.backup,
    '--log',
    o.log ?? vault.log,
    '--passphrase-file',
    vault.passphrase,
    ...(o.extra ?? []),
    '--json',
  ];
  const recover = (home: string, o: { backup?: string; log?: string; extra?: string[] } = {}): Promise<CliResult> => runCli(recoverArgs(o), envFor(home), work);

  /** A copy of the shipped log with one change. */
  const tamperedLog = async (name: string, change: (dir: string) => Promise<void>): Promise<string> => {
    const dir = join(work, `log-${name}`);
    await cp(vault.log, dir, { recursive: true });
    await change(dir);
    return dir;
  };
  /** A copy of the backup file with one change. */
  const tamperedBackup = async (name: string, change: (bytes: Buffer) => Buffer): Promise<string> => {
    const file = join(work, `backup-${name}.vmbk`);
    await writeFile(file, change(Buffer.from(await readFile(vault.backup))));
    return file;
  };

  /** Exit status 1 and one JSON error object: a code and a message. */
  const expectRefused = (r: CliResult, message: RegExp, code?: string) => {
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(1);
    expect(r.json?.error, r.stdout).toBeTruthy();
    expect(typeof r.json.error.code).toBe('string');
    expect(r.json.error.code.length).toBeGreaterThan(0);
    if (code) expect(r.json.error.code).toBe(code);
    expect(r.json.error.message).toMatch(message);
    expect(r.stderr).toContain('error:');
  };

  /** The reference: a clean recover of the intact vault into a fresh home (run once, on first use). */
  let referenceRun: Promise<{ home: string; report: LooseJson; ms: number }> | null = null;
  const reference = () =>
    (referenceRun ??= (async () => {
      const home = await freshHome('reference');
      const t = Date.now();
      const r = await recover(home);
      expect(r.code, r.stderr).toBe(0);
      return { home, report: r.json, ms: Date.now() - t };
    })());

  beforeAll(async () => {
    const t0 = Date.now();
    work = await mkdtemp(join(tmpdir(), 'vm-recover-unhappy-'));
    await chmod(work, 0o711);
    const dir = join(work, 'vault');
    await mkdir(dir, { mode: 0o711 });
    const sys = await startSystem({
      VAULTMETER_POOL_SIZE: '0',
      VAULTMETER_SHIP_INTERVAL_MS: '100',
      VAULTMETER_SEGMENT_RECORDS: '20',
      VAULTMETER_SEGMENT_MAX_AGE_MS: '0',
      VAULTMETER_BACKUP_INTERVAL_MS: '0',
    });
    try {
      const home = sys.env.VAULTMETER_HOME!;
      process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
      const clients: MeterClient[] = [];
      for (let i = 0; i < CUSTOMERS; i++) {
        const user = `unhappy${i}`;
        const client = await MeterClient.register(diskProfiles, sys.url, user, PW);
        const f = await fundAs(sys.url, sys.officer, user, FUND.toString());
        expect(f.status).toBe(200);
        clients.push(client);
      }
      const b = await sys.cli(['backup', 'create', '--to', dir, '--json']);
      expect(b.code, b.stderr).toBe(0);
      signingOracle = await askToSignForeignManifests(join(home, 'run', 'module-1.sock'), b.json.backupId, b.json.logPosition);
      for (let r = 0; r < PRINT_ROUNDS; r++) {
        await Promise.all(
          clients.map((c, i) =>
            c.print({
              amountMills: BigInt(100 + r * 3 + i),
              originZip: '90807',
              destination: '10001',
              date: today(),
              rateCategory: 'FCM-LETTER',
              weightTenthOz: 10,
            }),
          ),
        );
      }
      // Everything committed is off-site (as in the recovery drill).
      const db = await sys.ownerDb();
      const shipDir = join(home, 'shipped-log');
      try {
        await until('the log to ship', () => shippedTo(db, `dir:${shipDir}`));
      } finally {
        await db.end();
      }
      await cp(shipDir, join(dir, 'log'), { recursive: true });
      await cp(join(home, 'dev-passphrase'), join(dir, 'passphrase'));
      const backups = (await readdir(join(dir, 'backups'))).filter((f) => f.endsWith('.vmbk'));
      expect(backups).toHaveLength(1);
      const segments = await segmentsIn(join(dir, 'log'));
      vault = {
        dir,
        backup: join(dir, 'backups', backups[0]!),
        log: join(dir, 'log'),
        passphrase: join(dir, 'passphrase'),
        backupId: b.json.backupId,
        logPosition: b.json.logPosition,
        segments,
      };
    } finally {
      await sys.stop();
    }
    console.log(`recover-unhappy setup: ${Date.now() - t0} ms, ${vault.segments.length} segments`);
  }, 150_000);

  afterAll(async () => {
    if (!work) return;
    for (const h of (await readdir(work).catch(() => [] as string[])).filter((n) => n.startsWith('home-'))) await reapProcessesOf(join(work, h));
    await rm(work, { recursive: true, force: true });
  });

  /**
   * A segment of the records replayed after the backup, not the last of its log, holding at least
   * three records: the one the log tamperings work on.
   */
  const target = (): Segment => {
    const candidates = vault.segments.filter((s, i, all) => {
      const next = all[i + 1];
      const after = s.first > BigInt(vault.logPosition[s.logId] ?? '0');
      return after && s.last - s.first >= 2n && next !== undefined && next.logId === s.logId;
    });
    expect(candidates.length, `segments: ${vault.segments.map((s) => s.key).join(', ')}`).toBeGreaterThan(0);
    return candidates.reduce((a, b) => (b.last - b.first > a.last - a.first ? b : a));
  };
  const location = (s: Segment, line: number, seq: bigint) => `at ${s.key} line ${line} (record ${seq})`;
  const editLines = async (dir: string, s: Segment, edit: (lines: string[]) => void) => {
    const file = join(dir, s.key);
    const lines = (await readFile(file, 'utf8')).split('\n'); // the last element is '' (final newline)
    edit(lines);
    await writeFile(file, lines.join('\n'));
  };

  // ---- the backup ----

  describe('a backup that fails its checks is refused before the home is touched', () => {
    it('a) a flipped byte in the sealed chunk area: backup_invalid (digest)', async () => {
      const file = await tamperedBackup('flipped', (bytes) => {
        const nl1 = bytes.indexOf(0x0a);
        const nl2 = bytes.indexOf(0x0a, nl1 + 1);
        const chunkStart = nl2 + 1 + 4; // after the first chunk's length
        bytes[chunkStart + Math.floor((bytes.length - chunkStart) / 2)]! ^= 0x01;
        return bytes;
      });
      const home = await freshHome('backup-flipped');
      const r = await recover(home, { backup: file });
      expectRefused(r, /digest/, 'backup_invalid');
      expect(await readdir(home)).toEqual([]);
      expectNothingRunningFor(home);
    });

    it('b) a manifest whose logPosition was edited (digest intact, signature not): backup_invalid', async () => {
      const file = await tamperedBackup('logposition', (bytes) => {
        const nl1 = bytes.indexOf(0x0a);
        const manifest = JSON.parse(bytes.subarray(0, nl1).toString('utf8'));
        const logId = Object.keys(manifest.logPosition)[0]!;
        manifest.logPosition[logId] = String(BigInt(manifest.logPosition[logId]) - 1n);
        return Buffer.concat([Buffer.from(JSON.stringify(manifest)), bytes.subarray(nl1)]);
      });
      const home = await freshHome('backup-logposition');
      const r = await recover(home, { backup: file });
      expectRefused(r, /manifest signature does not verify/, 'backup_invalid');
      expect(r.json.error.message).not.toMatch(/digest/);
      expect(await readdir(home)).toEqual([]);
      expectNothingRunningFor(home);
    });

    it('b2) no module signs a manifest for a digest or log position its caller supplies (issue 11 B)', () => {
      const codes = signingOracle.map((r) => (r.status === 'rejected' ? (r.reason as VaultError).code : 'signed'));
      // The old signBackup call, a digest and a log position of our choosing: refused at the module's boundary.
      expect(codes[0]).toBe('invalid_request');
      expect((signingOracle[0] as PromiseRejectedResult).reason.message).toMatch(/the module's to compute/);
      // A backup the module sealed is signed once; one it never sealed, never.
      expect(codes.slice(1)).toEqual(['backup_refused', 'backup_refused']);
    });

    it('c) a backup checked against another CA (--ca): refused, naming the CA', async () => {
      const key = join(work, 'other-ca.key');
      const ca = join(work, 'other-ca.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          key,
          '-out',
          ca,
          '-days',
          '30',
          '-subj',
          '/CN=Some Other CA',
        ],
        {
          stdio: 'ignore',
        },
      );
      const home = await freshHome('other-ca');
      const r = await recover(home, { extra: ['--ca', ca] });
      expectRefused(r, /does not chain to the trusted CA.*Some Other CA/, 'backup_invalid');
      expect(await readdir(home)).toEqual([]);
      expectNothingRunningFor(home);
    });
  });

  // ---- the shipped log ----

  describe('d) a tampered shipped log is refused before anything is restored, naming the place', () => {
    /** Refused at verification: the location in the message, no restore or replay began, nothing left running. */
    const expectLogRefused = async (log: string, where: string | RegExp, what: RegExp) => {
      const home = await freshHome('log');
      const r = await recover(home, { log });
      expectRefused(r, /the shipped log fails verification at logs\/[^ ]+\.seg line \d+ \(record \d+\)/);
      if (typeof where === 'string') expect(r.json.error.message).toContain(where);
      else expect(r.json.error.message).toMatch(where);
      expect(r.json.error.message).toMatch(what);
      expect(r.stderr).not.toMatch(/restoring|replaying/);
      expectNothingRunningFor(home);
      // If the home keeps a marker of the attempt, it must not claim a restore.
      if (existsSync(join(home, 'recovery.json'))) expect(JSON.parse(await readFile(join(home, 'recovery.json'), 'utf8')).restored).toBe(false);
      return home;
    };

    it('a flipped byte inside a record body; afterwards the intact log recovers into the same home', async () => {
      const s = target();
      const log = await tamperedLog('body', (dir) =>
        editLines(dir, s, (lines) => {
          const rec = JSON.parse(lines[2]!); // line 3: record first+1
          const body = Buffer.from(rec.body, 'base64');
          body[Math.floor(body.length / 2)]! ^= 0x01;
          rec.body = body.toString('base64');
          lines[2] = JSON.stringify(rec);
        }),
      );
      const home = await expectLogRefused(log, location(s, 3, s.first + 1n), /hashes to .* altered/);
      // Nothing half-written blocks a correct recover: the same home, the intact log.
      const again = await recover(home);
      expect(again.code, again.stderr).toBe(0);
      expectNothingRunningFor(home);
      expect(totalsOf(again.json)).toEqual(totalsOf((await reference()).report));
    }, 90_000);

    it('a dropped record line', async () => {
      const s = target();
      const log = await tamperedLog('dropped', (dir) => editLines(dir, s, (lines) => void lines.splice(2, 1)));
      await expectLogRefused(log, location(s, 3, s.first + 1n), new RegExp(`record ${s.first + 1n} is missing`));
    });

    it('two records swapped', async () => {
      const s = target();
      const log = await tamperedLog('swapped', (dir) =>
        editLines(dir, s, (lines) => {
          [lines[1], lines[2]] = [lines[2]!, lines[1]!];
        }),
      );
      await expectLogRefused(log, location(s, 2, s.first), new RegExp(`holds record ${s.first + 1n}, but record ${s.first} belongs here`));
    });

    it('a truncated segment', async () => {
      const s = target();
      const log = await tamperedLog('truncated', async (dir) => {
        const file = join(dir, s.key);
        const bytes = await readFile(file);
        await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
      });
      await expectLogRefused(log, new RegExp(`at ${s.key} line \\d+ \\(record \\d+\\)`), /cut short|truncated|missing/);
    });

    it('a deleted middle segment', async () => {
      const s = target();
      const segs = vault.segments.filter((x) => x.logId === s.logId);
      const next = segs[segs.indexOf(s) + 1]!;
      const log = await tamperedLog('deleted', (dir) => rm(join(dir, s.key)));
      const missing = s.first === s.last ? `record ${s.first} is missing` : `records ${s.first}..${s.last} are missing`;
      await expectLogRefused(log, location(next, 1, s.first), new RegExp(missing.replace(/\./g, '\\.')));
    });

    // The backup refusals carry `backup_invalid`, and replay's own refusals `log_record_invalid`; the
    // up-front verification of the shipped log throws a plain Error, so the JSON code is the generic
    // "error" (src/runtime/recover.ts, `if (!check.ok) throw new Error(...)`). A script cannot tell a
    // tampered log from any other failure by its code.
    it('a refused shipped log carries a stable error code (log_record_invalid), not the generic "error"', async () => {
      const s = target();
      const log = await tamperedLog('code', (dir) => editLines(dir, s, (lines) => void lines.splice(2, 1)));
      const r = await recover(await freshHome('log-code'), { log });
      expect(r.code).toBe(1);
      expect(r.json.error.code).toBe('log_record_invalid');
    });
  });

  // ---- the home ----

  it('e) a home that is not empty is refused ("not empty") and left as it was', async () => {
    const home = await freshHome('not-empty');
    await writeFile(join(home, 'notes.txt'), 'somebody else was here\n');
    const r = await recover(home);
    expectRefused(r, /not empty/);
    expect(r.json.error.message).toContain(home);
    expect(await readdir(home)).toEqual(['notes.txt']);
    expectNothingRunningFor(home);
  });

  // ---- interruption ----

  describe('f) an interrupted recover resumes', () => {
    /**
     * Start `recover` into `home` and SIGKILL it as soon as stderr matches `trigger`: only the CLI
     * process (`group: false`: its PostgreSQL and modules live on as orphans), or its whole process
     * group (the host lost power: everything it started dies with it).
     */
    const interrupted = (home: string, trigger: RegExp, group: boolean) =>
      new Promise<{ killedAtMs: number | null; code: number | null; stderr: string; pids: number[] }>((resolve) => {
        const t0 = Date.now();
        const child = spawn(process.execPath, [CLI, ...recoverArgs()], { env: envFor(home), cwd: work, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        let stderr = '';
        let killedAtMs: number | null = null;
        let pids: number[] = [];
        child.stdout.resume();
        child.stderr.on('data', (d) => {
          stderr += d;
          if (killedAtMs === null && trigger.test(stderr)) {
            killedAtMs = Date.now() - t0;
            pids = processesOf(home).map((p) => p.pid);
            if (group) process.kill(-child.pid!, 'SIGKILL');
            else child.kill('SIGKILL');
          }
        });
        child.on('exit', (code) => resolve({ killedAtMs, code, stderr, pids }));
      });

    /**
     * Interrupt a recover at the latest of these points that still lands before it finishes: when
     * stderr shows the restore or the replay, else earlier (the log verified, PostgreSQL starting).
     */
    const interruptSomewhere = async (name: string, group: boolean) => {
      const tries: RegExp[] = [/restoring|replaying/, /verifying the shipped log/, /shipped log verified/];
      for (const trigger of tries) {
        const home = await freshHome(name);
        const run = await interrupted(home, trigger, group);
        if (run.killedAtMs !== null && existsSync(join(home, 'recovery.json'))) return { home, ...run, trigger };
        // It finished (or failed) before the kill: not an interruption; try an earlier point.
        await reapProcessesOf(home);
        expect(run.code, `recover failed on its own:\n${run.stderr}`).not.toBe(1);
      }
      throw new Error('could not interrupt a recover before it finished');
    };

    it('after SIGKILL of the whole process group: resumes and reports the same totals as a clean recover', async () => {
      const t0 = Date.now();
      const ref = await reference();
      const cut = await interruptSomewhere('killed-group', true);
      // Wait until the killed PostgreSQL and modules are really gone, reaped and not zombies: a
      // postmaster PID that still answers kill(pid, 0) makes PostgreSQL refuse its lock file.
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await until('the killed processes to go', async () => processesOf(cut.home).length === 0 && !cut.pids.some(alive), 30_000);
      const marker = JSON.parse(await readFile(join(cut.home, 'recovery.json'), 'utf8'));
      expect(marker.backupId).toBe(vault.backupId);
      const again = await recover(cut.home);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('resuming the interrupted recovery');
      expect(totalsOf(again.json)).toEqual(totalsOf(ref.report));
      expect(BigInt(again.json.controlTotalMills)).toBe(FUND * BigInt(CUSTOMERS));
      expect(again.json.meters).toBe(CUSTOMERS);
      expect(existsSync(join(cut.home, 'recovery.json'))).toBe(false);
      expectNothingRunningFor(cut.home);
      console.log(
        `interrupted (group) at ${cut.killedAtMs} ms on ${cut.trigger} (marker restored=${marker.restored}); test took ${Date.now() - t0} ms (a clean recover: ${ref.ms} ms)`,
      );
    }, 120_000);

    describe('after SIGKILL of the recover process alone', () => {
      let cut: { home: string; killedAtMs: number | null; trigger: RegExp };
      beforeAll(async () => {
        cut = await interruptSomewhere('killed-cli', false);
        // The precondition of the test below: the kill left the recovery's PostgreSQL running.
        await new Promise((r) => setTimeout(r, 500));
        expect(processesOf(cut.home).some((p) => p.args.includes('postgres'))).toBe(true);
      }, 90_000);
      afterAll(async () => {
        if (cut) await reapProcessesOf(cut.home);
      });

      // SIGKILL of `vaultmeter recover` alone leaves the embedded PostgreSQL it started running (the
      // modules notice their parent is gone and exit). The resume stops that PostgreSQL itself (it
      // runs on the home's own data directory) instead of failing on its lock file.
      it('the resume succeeds although the killed run left its PostgreSQL behind', async () => {
        const ref = await reference();
        const again = await recover(cut.home);
        expect(again.code, again.stdout).toBe(0);
        expect(again.stderr).toContain('resuming the interrupted recovery');
        expect(totalsOf(again.json)).toEqual(totalsOf(ref.report));
      }, 60_000);
    });

    // The restore commits a `backup_restored` audit record with the snapshot; a crash between that
    // COMMIT and the marker write (a marker still saying "not restored") must not block the resume.
    // Simulated by putting such a marker into a home that holds a restored database (the reference
    // home), since the real window is a few milliseconds.
    it('a crash between the restore COMMIT and the marker write can still be resumed', async () => {
      const ref = await reference();
      await writeFile(join(ref.home, 'recovery.json'), JSON.stringify({ backupId: vault.backupId, restored: false }));
      const again = await recover(ref.home);
      expectNothingRunningFor(ref.home);
      expect(again.code, again.stdout).toBe(0);
      expect(totalsOf(again.json)).toEqual(totalsOf(ref.report));
    }, 60_000);
  });

  // ---- usage ----

  describe('g) usage', () => {
    it('`recover --help` exits 0 and names --backup and --log', async () => {
      const r = await runCli(['recover', '--help'], envFor(join(work, 'unused-home')), work);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('--backup');
      expect(r.stdout).toContain('--log');
      expect(existsSync(join(work, 'unused-home'))).toBe(false);
    });

    it('a missing --log is a usage error', async () => {
      const home = await freshHome('usage');
      const r = await runCli(['recover', '--backup', vault.backup, '--passphrase-file', vault.passphrase, '--json'], envFor(home), work);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/required option '--log/);
      expect(await readdir(home)).toEqual([]);
    });
  });
});
