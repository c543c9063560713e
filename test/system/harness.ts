import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort } from '../../src/runtime/init.js';
import { appUrlFrom } from '../../src/store/index.js';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { LooseJson } from '../helpers/loose-json.js';
import type { TestOfficer } from './api-client.js';

export const CLI = join(import.meta.dirname, '..', '..', 'bin', 'vaultmeter.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: LooseJson;
}

export interface TestSystem {
  readonly url: string;
  readonly dir: string;
  /** The supervisor (`vaultmeter start`): every process of the system descends from it. */
  readonly pid: number;
  readonly env: NodeJS.ProcessEnv;
  readonly officer: TestOfficer;
  /** The second security officer init creates (dual control). */
  readonly secondOfficer: TestOfficer;
  cli(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** A connection as the database owner, for tests that play the attacker or inspect the store. */
  ownerDb(): Promise<pg.Client>;
  /** A connection as the application role (`vaultmeter_app`), with the API server's database privileges. */
  appDb(): Promise<pg.Client>;
  /** Stop the system; `keep` leaves the temporary directory (and the home in it) in place. */
  stop(keep?: boolean): Promise<void>;
}

async function keepKeyFile(o: TestOfficer, dir: string): Promise<TestOfficer> {
  const keyFile = join(dir, basename(o.keyFile));
  await copyFile(o.keyFile, keyFile);
  return { ...o, keyFile };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      let json: LooseJson = null;
      try {
        json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        /* not JSON */
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

/**
 * `vaultmeter start --json` on a fresh home: development init, embedded PostgreSQL, two modules, API
 * server. With VAULTMETER_HOME in `extraEnv`, that (existing) home is started instead; `officer` is
 * then unknown (null) and the caller keeps the home. With VAULTMETER_PASSPHRASE in `extraEnv`, the
 * keystores are sealed under it and the supervisor reads it from its environment.
 */
export async function startSystem(extraEnv: NodeJS.ProcessEnv = {}): Promise<TestSystem> {
  const dir = await mkdtemp(join(tmpdir(), 'vmtest-'));
  await chmod(dir, 0o711); // as root, PostgreSQL's own user must reach the data directory
  const port = await freePort(0);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VAULTMETER_HOME: join(dir, 'home'),
    VAULTMETER_CLIENT_HOME: join(dir, 'client'),
    PORT: String(port),
    ...extraEnv,
  };
  // The development passphrase file, unless a test hands the passphrase in, as production does.
  if (extraEnv.VAULTMETER_PASSPHRASE === undefined) delete env.VAULTMETER_PASSPHRASE;
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
    // VAULTMETER_TEST_ECHO=1 shows the system's own log while a test runs (to debug one).
    if (process.env.VAULTMETER_TEST_ECHO === '1') process.stderr.write(d);
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<{ officer: TestOfficer; secondOfficer: TestOfficer; url: string }>((resolve, reject) => {
    let officers: { officer: TestOfficer; secondOfficer: TestOfficer } | null = null;
    const timer = setTimeout(() => reject(new Error(`start timed out:\n${stderr}`)), 90_000);
    lines.on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.officer) officers = { officer: msg.officer, secondOfficer: msg.secondOfficer };
      if (msg.ready) {
        clearTimeout(timer);
        resolve({ ...officers!, url: msg.url });
      }
    });
    child.once('exit', (code) => reject(new Error(`start exited ${code}:\n${stderr}`)));
  });
  // The officers keep their key files, as the README asks, outside the home: a lost home loses no officer.
  const officers = first.officer
    ? await Promise.all([first.officer, first.secondOfficer].map((o) => keepKeyFile(o, dir)))
    : [first.officer, first.secondOfficer];
  const config = JSON.parse(await readFile(join(env.VAULTMETER_HOME!, 'config.json'), 'utf8'));
  const ownerUrl = config.embedded
    ? `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`
    : env.DATABASE_URL!;
  return {
    url: first.url,
    dir,
    pid: child.pid!,
    env,
    officer: officers[0]!,
    secondOfficer: officers[1]!,
    cli: (args, more = {}) => runCli(args, { ...env, ...more }, dir),
    ownerDb: async () => {
      const c = new pg.Client({ connectionString: ownerUrl });
      await c.connect();
      return c;
    },
    appDb: async () => {
      const c = new pg.Client({ connectionString: appUrlFrom(ownerUrl, config.appDbPassword) });
      await c.connect();
      return c;
    },
    stop: async (keep = false) => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A vault as the recovery tests lay it out: `backups/<one file>`, `log/` (the shipped log), `passphrase`. */
export interface RecoveredVault {
  readonly rec: CliResult;
  /** The empty home `recover` filled: `<vault>/home`. */
  readonly newHome: string;
  readonly backupFile: string;
  /** The environment it ran in (no passphrase variable), for running `recover` again. */
  readonly env: NodeJS.ProcessEnv;
}

/** `vaultmeter recover` of the vault's one backup and its log into `<vault>/home`, as an operator on a new machine runs it. */
export async function recoverVault(vault: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<RecoveredVault> {
  const newHome = join(vault, 'home');
  const backupFile = join(vault, 'backups', (await readdir(join(vault, 'backups')))[0]!);
  const env: NodeJS.ProcessEnv = { ...process.env, VAULTMETER_HOME: newHome, ...extraEnv };
  delete env.VAULTMETER_PASSPHRASE;
  const rec = await runCli(
    ['recover', '--backup', backupFile, '--log', join(vault, 'log'), '--passphrase-file', join(vault, 'passphrase'), '--keep-dev-passphrase', '--json'],
    env,
    vault,
  );
  return { rec, newHome, backupFile, env };
}
