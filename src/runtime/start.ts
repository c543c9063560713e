import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_RING_SIZE, MIN_RING_SIZE } from '../module/index.js';
import { intFromEnv } from './env.js';
import {
  DEFAULT_AUDIT_INTERVAL_DAYS,
  DEFAULT_PORT,
  DEFAULT_REFUND_WINDOW_DAYS,
  DEFAULT_RING_SIZE,
  MAX_REFUND_WINDOW_DAYS,
  MODULE_MAX_RESTARTS_PER_MINUTE,
  MODULE_RESTART_DELAY_MS,
  MODULE_START_TIMEOUT_MS,
} from '../constants.js';
import { openDatabase, type RunningDatabase } from './database.js';
import { spawnVaultmeter, stopChild } from './children.js';
import { paths, readConfig } from './home.js';
import { pickEnv, withoutSecrets } from '../platform/index.js';

export interface StartOptions {
  readonly home: string;
  readonly port?: number;
  readonly log: (line: string) => void;
}

export interface RunningSystem {
  readonly url: string;
  stop(): Promise<void>;
}

/** The passphrase for the module keystores: VAULTMETER_PASSPHRASE, else the development file in the home. */
export async function loadPassphrase(home: string): Promise<{ passphrase: string; source: string }> {
  if (process.env.VAULTMETER_PASSPHRASE) return { passphrase: process.env.VAULTMETER_PASSPHRASE, source: 'VAULTMETER_PASSPHRASE' };
  const file = paths(home).devPassphrase;
  if (existsSync(file)) return { passphrase: (await readFile(file, 'utf8')).trim(), source: file };
  throw new Error('no passphrase: set VAULTMETER_PASSPHRASE (the keystores are sealed under it)');
}

/** The modules' settings from the environment, as command-line flags. */
function moduleSettingsFromEnv(): string[] {
  return [
    '--refund-window-days',
    String(intFromEnv('VAULTMETER_REFUND_WINDOW_DAYS', DEFAULT_REFUND_WINDOW_DAYS, 0, MAX_REFUND_WINDOW_DAYS)),
    '--ring-size',
    String(intFromEnv('VAULTMETER_RING_SIZE', DEFAULT_RING_SIZE, MIN_RING_SIZE, MAX_RING_SIZE)),
    '--audit-interval-days',
    String(intFromEnv('VAULTMETER_AUDIT_INTERVAL_DAYS', DEFAULT_AUDIT_INTERVAL_DAYS, 1, 3650)),
  ];
}

/** Environment for children, without any secret (modules get the passphrase on stdin), plus what each needs. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...withoutSecrets(process.env), ...extra };
}

/** The S3 credentials, for the children that write to ship and backup targets (the shipper, the API server). */
const S3_CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/**
 * The supervisor: PostgreSQL, the module processes, then the API server as a separate process that
 * never holds the passphrase. Modules that die are restarted.
 */
export async function startSystem(opts: StartOptions): Promise<RunningSystem> {
  const config = await readConfig(opts.home);
  const { passphrase } = await loadPassphrase(opts.home);
  const moduleSettings = moduleSettingsFromEnv();
  const p = paths(opts.home);
  await mkdir(p.runDir, { recursive: true, mode: 0o700 });
  let stopping = false;
  const children = new Set<ChildProcess>();
  let db: RunningDatabase | null = null;

  const stopAll = async () => {
    stopping = true;
    await Promise.all([...children].map((c) => stopChild(c)));
    await db?.stop();
  };

  try {
    db = await openDatabase(opts.home, config, opts.log);
    const sockets: string[] = [];
    for (const [i, m] of config.modules.entries()) {
      const socket = join(p.runDir, `module-${i + 1}.sock`);
      sockets.push(socket);
      const ring = join(opts.home, m.keystore.replace(/\.keystore$/, '.ring'));
      const args = ['module', '--keystore', join(opts.home, m.keystore), '--socket', socket, '--ring', ring, ...moduleSettings];
      const launch = async () => {
        const { child } = await spawnVaultmeter(args, {
          env: childEnv({}),
          stdin: `${passphrase}\n`,
          timeoutMs: MODULE_START_TIMEOUT_MS,
          onStderr: opts.log,
        });
        children.add(child);
        return child;
      };
      supervise(`module ${m.serial}`, await launch(), launch, () => stopping, children, opts.log);
    }
    const logEnv = await shippingEnv(opts.home);
    const launchShipper = async () => {
      const { child } = await spawnVaultmeter(['ship'], {
        env: childEnv({
          ...logEnv,
          VAULTMETER_DB_URL: db!.appUrl,
          VAULTMETER_CA_CERT: p.caCert,
          VAULTMETER_HOME: opts.home,
          VAULTMETER_MODULE_SOCKETS: sockets.join(','),
        }),
        timeoutMs: MODULE_START_TIMEOUT_MS,
        onStderr: opts.log,
      });
      children.add(child);
      return child;
    };
    supervise('the log shipper', await launchShipper(), launchShipper, () => stopping, children, opts.log);
    const port = opts.port ?? Number(process.env.PORT ?? DEFAULT_PORT);
    const api = await spawnVaultmeter(['serve'], {
      env: childEnv({ ...logEnv, VAULTMETER_DB_URL: db.appUrl, VAULTMETER_MODULE_SOCKETS: sockets.join(','), PORT: String(port) }),
      timeoutMs: MODULE_START_TIMEOUT_MS,
      onStderr: opts.log,
    });
    children.add(api.child);
    api.child.once('exit', (code) => {
      if (!stopping) {
        opts.log(`the API server exited (${code}); stopping`);
        void stopAll().then(() => process.exit(1));
      }
    });
    return { url: String(api.ready.url), stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * Ship targets: VAULTMETER_SHIP_TARGETS, else a directory in the home (fine for development; off-site
 * is the point); with the S3 credentials, which only the processes that write to targets get.
 */
async function shippingEnv(home: string): Promise<Record<string, string>> {
  const credentials = pickEnv(process.env, S3_CREDENTIALS);
  if (process.env.VAULTMETER_SHIP_TARGETS) return { ...credentials, VAULTMETER_SHIP_TARGETS: process.env.VAULTMETER_SHIP_TARGETS };
  const dir = paths(home).shippedLog;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return { ...credentials, VAULTMETER_SHIP_TARGETS: dir };
}

/** Restart a child that dies, unless it keeps dying. */
function supervise(
  name: string,
  first: ChildProcess,
  launch: () => Promise<ChildProcess>,
  stopping: () => boolean,
  children: Set<ChildProcess>,
  log: (l: string) => void,
): void {
  const restarts: number[] = [];
  const watch = (child: ChildProcess) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (stopping()) return;
      const now = Date.now();
      restarts.push(now);
      while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length > MODULE_MAX_RESTARTS_PER_MINUTE) {
        log(`${name} keeps dying (${code ?? signal}); not restarting it`);
        return;
      }
      log(`${name} exited (${code ?? signal}); restarting`);
      setTimeout(() => {
        launch().then(watch, (e: Error) => log(`${name} failed to restart: ${e.message}`));
      }, MODULE_RESTART_DELAY_MS);
    });
  };
  watch(first);
}
