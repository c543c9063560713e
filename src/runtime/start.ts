import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_RING_SIZE, MIN_RING_SIZE } from '../module/index.js';
import { intFromEnv } from './env.js';
import {
  DEFAULT_AUDIT_INTERVAL_DAYS,
  DEFAULT_PORT,
  DEFAULT_ACH_HOLD_HOURS,
  DEFAULT_REFUND_WINDOW_DAYS,
  MAX_ACH_HOLD_HOURS,
  DEFAULT_RING_SIZE,
  MAX_REFUND_WINDOW_DAYS,
  MODULE_START_TIMEOUT_MS,
} from '../constants.js';
import { openDatabase, type RunningDatabase } from './database.js';
import { spawnVaultmeter, stopChild } from './children.js';
import { paths, readConfig, type InstallationConfig } from './home.js';
import { keepRunning, runningChild, type Running, type Unit } from './supervise.js';
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

/**
 * The API server's own settings: its database, the module sockets, its port, and where the NACHA
 * files and the provider reports go (its payments and report jobs write them).
 */
function apiEnv(home: string, dbUrl: string, sockets: string, port: number): Record<string, string> {
  const outbox = process.env.VAULTMETER_BANK_OUTBOX || join(home, 'bank-outbox');
  const provider = process.env.VAULTMETER_PROVIDER_OUTBOX || join(home, 'provider-outbox');
  return {
    VAULTMETER_DB_URL: dbUrl,
    VAULTMETER_MODULE_SOCKETS: sockets,
    PORT: String(port),
    VAULTMETER_BANK_OUTBOX: outbox,
    VAULTMETER_PROVIDER_OUTBOX: provider,
  };
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
    '--ach-hold-hours',
    String(intFromEnv('VAULTMETER_ACH_HOLD_HOURS', DEFAULT_ACH_HOLD_HOURS, 0, MAX_ACH_HOLD_HOURS)),
  ];
}

/** Environment for children, without any secret (modules get the passphrase on stdin), plus what each needs. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...withoutSecrets(process.env), ...extra };
}

/** The S3 credentials, for the children that write to ship and backup targets (the shipper, the API server). */
const S3_CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
/** SMTP_URL may carry the SMTP password: only the shipper, which delivers the mail outbox, gets it. */
const SMTP_SECRETS = ['SMTP_URL'] as const;
/** The Stripe keys: only the API server, which charges cards and checks Stripe's webhooks, gets them. */
const STRIPE_SECRETS = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const;

/** The run directory, and the default provider outbox (one the operator names must exist already: a mounted volume, say). */
async function makeDirectories(home: string): Promise<void> {
  await mkdir(paths(home).runDir, { recursive: true, mode: 0o700 });
  if (!process.env.VAULTMETER_PROVIDER_OUTBOX) await mkdir(join(home, 'provider-outbox'), { recursive: true, mode: 0o700 });
}

/**
 * The supervisor: PostgreSQL, the module processes, the shipper, then the API server as a separate
 * process that never holds the passphrase. Every one of them is restarted when it dies (with a
 * growing pause, and not at all in a crash loop); none needs the others restarted to go on serving.
 */
export async function startSystem(opts: StartOptions): Promise<RunningSystem> {
  const config = await readConfig(opts.home);
  const { passphrase } = await loadPassphrase(opts.home);
  const p = paths(opts.home);
  await makeDirectories(opts.home);
  let stopping = false;
  const children = new Set<ChildProcess>();
  let db: RunningDatabase | null = null;

  const stopAll = async () => {
    stopping = true;
    await Promise.all([...children].map((c) => stopChild(c)));
    await db?.stop();
  };
  // A crash loop of PostgreSQL or the API server leaves nothing to serve with: stop, and say why.
  const fatal = () =>
    void stopAll().then(
      () => process.exit(1),
      () => process.exit(1),
    );
  const keep = (unit: Unit, running: Running, onGiveUp: (why: string) => void = () => {}) =>
    keepRunning(unit, running, { stopping: () => stopping, log: opts.log, onGiveUp });
  const readyOf = new Map<string, Record<string, unknown>>();

  try {
    const startedMs = Date.now();
    const since = () => `${Date.now() - startedMs} ms`;
    db = await openDatabase(opts.home, config, opts.log);
    opts.log(`the database is ready (${since()})`);
    if (db.embedded) keep({ name: 'PostgreSQL', start: db.embedded.restart }, db.embedded, fatal);
    const launch = (name: string, args: string[], env: Record<string, string>, stdin?: string): Unit => ({
      name,
      start: async () => {
        const { child, ready } = await spawnVaultmeter(args, {
          env: childEnv(env),
          ...(stdin ? { stdin } : {}),
          timeoutMs: MODULE_START_TIMEOUT_MS,
          onStderr: opts.log,
        });
        children.add(child);
        readyOf.set(name, ready);
        return runningChild(child, children);
      },
    });
    const sockets = moduleUnits(opts.home, config, p.runDir).map(({ name, socket, args }) => {
      const unit = launch(name, args, {}, `${passphrase}\n`);
      return { unit, socket };
    });
    // Independent processes start side by side: a restart after the supervisor's own death is that much shorter.
    const modulesUp = await Promise.all(sockets.map(({ unit }) => unit.start()));
    sockets.forEach(({ unit }, i) => keep(unit, modulesUp[i]!));
    opts.log(`${sockets.length} module(s) ready (${since()})`);
    const socketList = sockets.map((s) => s.socket).join(',');
    const logEnv = await shippingEnv(opts.home);
    const shipper = launch('the log shipper', ['ship'], {
      ...logEnv,
      VAULTMETER_DB_URL: db.appUrl,
      VAULTMETER_CA_CERT: p.caCert,
      VAULTMETER_HOME: opts.home,
      VAULTMETER_MODULE_SOCKETS: socketList,
      ...pickEnv(process.env, SMTP_SECRETS),
    });
    const port = opts.port ?? Number(process.env.PORT ?? DEFAULT_PORT);
    const api = launch('the API server', ['serve'], { ...logEnv, ...apiEnv(opts.home, db.appUrl, socketList, port), ...pickEnv(process.env, STRIPE_SECRETS) });
    const [shipperUp, apiUp] = await Promise.all([shipper.start(), api.start()]);
    keep(shipper, shipperUp);
    keep(api, apiUp, fatal);
    opts.log(`the shipper and the API server are ready (${since()})`);
    return { url: String(readyOf.get(api.name)!.url), stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** One module process per keystore of the installation, each with its socket and its ring file. */
function moduleUnits(home: string, config: InstallationConfig, runDir: string): { name: string; socket: string; args: string[] }[] {
  const moduleSettings = moduleSettingsFromEnv();
  return config.modules.map((m, i) => {
    const socket = join(runDir, `module-${i + 1}.sock`);
    const ring = join(home, m.keystore.replace(/\.keystore$/, '.ring'));
    const args = ['module', '--keystore', join(home, m.keystore), '--socket', socket, '--ring', ring, ...moduleSettings];
    return { name: `module ${m.serial}`, socket, args };
  });
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
