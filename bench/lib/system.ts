import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/runtime/init.js';
import { createInterface } from 'node:readline';
import type { BenchOfficer } from './fund.js';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'vaultmeter.js');

export interface BenchSystem {
  readonly url: string;
  readonly home: string;
  readonly clientHome: string;
  /** The first security officer from `vaultmeter init`, with the key file that signs fundings. */
  readonly officer: BenchOfficer;
  readonly ownerUrl: string;
  stop(): Promise<void>;
}

/** Which build to run, and where its supervisor's log lines go (every option may be left out). */
export interface BenchSystemOptions {
  /** The `bin/vaultmeter.js` to run (another build, e.g. an older revision's); this checkout's by default. */
  readonly cli?: string;
  /** Each line the supervisor writes to stderr (its own and its children's log lines). */
  readonly onStderr?: (line: string) => void;
}

/** Run `vaultmeter <args>` of build `cli` to its end; its stdout, or an error with its stderr. */
export function run(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`vaultmeter ${args[0]} failed: ${err}`))));
  });
}

/** A whole installation in a temporary home: init with N modules, then start (embedded PostgreSQL). */
export async function startBenchSystem(modules: number, extraEnv: NodeJS.ProcessEnv = {}, opts: BenchSystemOptions = {}): Promise<BenchSystem> {
  const cli = opts.cli ?? CLI;
  const dir = await mkdtemp(join(tmpdir(), 'vmbench-'));
  await chmod(dir, 0o711);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VAULTMETER_HOME: join(dir, 'home'),
    VAULTMETER_CLIENT_HOME: join(dir, 'client'),
    VAULTMETER_PASSPHRASE: 'benchmark passphrase, not for production',
    PORT: String(await freePort(0)),
    // Every suite prints 1-mill letters: an installation without rate tables (bench:rates measures one with them).
    VAULTMETER_RATES: 'none',
    ...extraEnv,
  };
  const init = JSON.parse((await run(cli, ['init', '--modules', String(modules), '--json'], env)).trim());
  const child: ChildProcess = spawn(process.execPath, [cli, 'start', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  if (opts.onStderr) createInterface({ input: child.stderr! }).on('line', opts.onStderr);
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.ready) resolve(msg.url);
    });
    child.once('exit', (code) => reject(new Error(`start exited ${code}: ${stderr}`)));
  });
  const config = JSON.parse(await readFile(join(dir, 'home', 'config.json'), 'utf8'));
  return {
    url,
    home: env.VAULTMETER_HOME!,
    clientHome: env.VAULTMETER_CLIENT_HOME!,
    officer: init.officer,
    // An external database (DATABASE_URL in extraEnv or the environment) has no embedded settings in config.json.
    ownerUrl: config.embedded
      ? `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`
      : env.DATABASE_URL!,
    stop: async () => {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
