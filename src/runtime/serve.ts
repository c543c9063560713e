import type { FastifyInstance } from 'fastify';
import { addressCheckMode } from '../address/index.js';
import { mailerIdFrom } from '../indicium/index.js';
import { join, resolve } from 'node:path';
import { exitWithParent, type ShipTarget } from '../platform/index.js';
import { DEFAULT_HALT_THRESHOLD, DEFAULT_LICENSING_ZIP, DEFAULT_PORT, MAX_METER_POOL, MAX_MODULE_COUNT, METER_POOL_TARGET } from '../constants.js';
import { intFromEnv } from './env.js';
import { ModuleConnection, ModulePool, decodeCheckpointRecord } from '../module/index.js';
import { buildApp, buildMetricsListener } from '../server/index.js';
import {
  achConfigFromEnv,
  StripeCardPayments,
  stripeSettingsFromEnv,
  type PaymentPort,
  BuiltInAddressVerifier,
  createMetrics,
  haltEveryModule,
  MeterPool,
  ModuleRateBook,
  recoverModule,
  type Metrics,
  type ServiceContext,
} from '../services/index.js';
import { createDb, repo, settingsRepo, type Db } from '../store/index.js';
import { parseTarget, repairMeter, rollForward, ShippedWaiter } from '../txlog/index.js';
import { logSettingsFromEnv } from './log-settings.js';
import { startPaymentsJob } from './payments-job.js';
import { startProviderReportsJob } from './provider-reports-job.js';

/**
 * The API server process. It gets the database URL of the application role and the module sockets;
 * it never sees the passphrase or a keystore, so it cannot read module keys.
 */
export async function runApiServer(): Promise<void> {
  const dbUrl = process.env.VAULTMETER_DB_URL;
  const sockets = (process.env.VAULTMETER_MODULE_SOCKETS ?? '').split(',').filter(Boolean);
  if (!dbUrl || sockets.length === 0) throw new Error('serve needs VAULTMETER_DB_URL and VAULTMETER_MODULE_SOCKETS (use `vaultmeter start`)');
  exitWithParent();
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  const host = process.env.HOST ?? '127.0.0.1';
  const metricsPort = intFromEnv('VAULTMETER_METRICS_PORT', 0, 0, 65_535);
  const settings = logSettingsFromEnv();
  const metrics = createMetrics();
  const db = openDb(dbUrl, settings.durability, metrics);
  if (settings.durability === 'replica') await requireSynchronousStandby(db);
  const shipTargets = settings.targets.map((t) => t.name);
  const shipped = settings.durability === 'shipped' ? await ShippedWaiter.start(dbUrl, db, shipTargets) : null;
  const modules = new ModulePool(sockets.map((s) => new ModuleConnection(s)));
  const infos = await modules.identify();
  for (const info of infos) {
    await repo.upsertModule(db, info.serial, info.certPem);
    // A module inhibited in an earlier run, or by another server, stays out of service.
    if (info.inhibited) await repo.setModuleState(db, info.serial, 'inhibited', info.inhibited.reason);
  }
  for (const row of await repo.listModules(db)) modules.setInhibited(row.serial, row.state === 'inhibited');
  // A halt is held by the modules: one that missed it (down at the time) holds it now; one that holds it is reported.
  const system = await repo.systemState(db);
  if (system.halted) await haltEveryModule(modules, system.haltReason ?? 'halted');
  const held = infos.find((i) => i.halted);
  if (held && !system.halted) await repo.setHalted(db, true, `module ${held.serial} holds the halt: ${held.halted!.reason}`);
  const ctx: ServiceContext = {
    db,
    modules,
    caCertPem: infos[0]!.caCertPem,
    licensingZip: process.env.VAULTMETER_LICENSING_ZIP ?? DEFAULT_LICENSING_ZIP,
    haltThreshold: intFromEnv('VAULTMETER_HALT_THRESHOLD', DEFAULT_HALT_THRESHOLD, 1, MAX_MODULE_COUNT),
    shipTargets,
    durability: settings.durability,
    shipped,
    rollForward: async () => {
      const n = await rollForward({ db, modules, source: settings.targets[0] });
      metrics.rolledForward.inc(n);
      return n;
    },
    repairMeter: (stale) => repairMeter({ db, modules, rollForward: ctx.rollForward }, stale),
    metrics,
    rateBook: new ModuleRateBook(modules),
    addresses: new BuiltInAddressVerifier(),
    addressCheck: addressCheckMode(process.env.VAULTMETER_ADDRESS_CHECK),
    mailerId: mailerIdFrom(process.env.VAULTMETER_MAILER_ID),
    ...paymentsFromEnv(),
    providerOutbox: providerOutboxFromEnv(),
  };
  const log = (msg: string) => process.stderr.write(`[api] ${msg}\n`);
  // Any evidence of a stale database counts, not only a checkpoint mismatch: before serving, put back
  // what the shipped log and every module's journal hold beyond the database.
  const rolled = await ctx.rollForward();
  if (rolled > 0) log(`rolled the database forward by ${rolled} record(s) before serving`);
  await reconcileModules(ctx, infos, log);
  const pool = new MeterPool(ctx, log, intFromEnv('VAULTMETER_POOL_SIZE', METER_POOL_TARGET, 0, MAX_METER_POOL));
  const app = await buildApp(ctx, { logger: process.env.VAULTMETER_LOG === '1' });
  await app.listen({ port, host });
  const scrape = await listenForScrapes(ctx, metricsPort);
  pool.start();
  const jobs = [startPaymentsJob(ctx, ctx.ach, log), startProviderReportsJob(ctx, log)];
  const metricsUrl = scrape ? { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` } : {};
  process.stdout.write(`${JSON.stringify({ ready: true, url: `http://${host}:${port}`, ...metricsUrl })}\n`);
  exitOnSignal([
    () => pool.stop(),
    async () => Promise.all(jobs.map((j) => j?.stop())),
    async () => scrape?.close(),
    () => app.close(),
    async () => shipped?.close(),
    async () => modules.close(),
    () => db.end(),
  ]);
}

/** The payment port: ACH settings, and card payments through Stripe when STRIPE_SECRET_KEY is set (the supervisor gives it to this process only). */
function paymentsFromEnv(): PaymentPort {
  const stripe = stripeSettingsFromEnv();
  return { ach: achConfigFromEnv(), card: stripe ? new StripeCardPayments(stripe) : null };
}

/** VAULTMETER_PROVIDER_OUTBOX (a directory or an s3:// target), else provider-outbox in the home (or the working directory). */
function providerOutboxFromEnv(): ShipTarget {
  return parseTarget(process.env.VAULTMETER_PROVIDER_OUTBOX || join(resolve(process.env.VAULTMETER_HOME || process.cwd()), 'provider-outbox'));
}

/** On SIGTERM or SIGINT: each step in order (the pool, the jobs, the listeners, the connections), then exit. */
function exitOnSignal(steps: readonly (() => Promise<unknown>)[]): void {
  const stop = async () => {
    for (const step of steps) await step();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

/** The pool, counting the connections it loses (`replica` durability: each commit waits for the standby). */
function openDb(url: string, durability: ServiceContext['durability'], metrics: Metrics): Db {
  const onConnectionError = (e: Error) => {
    metrics.connectionErrors.inc();
    process.stderr.write(`[db] a database connection was lost: ${e.message}\n`);
  };
  return createDb(url, undefined, { onConnectionError, ...(durability === 'replica' ? { synchronousCommit: 'remote_apply' } : {}) });
}

/** With VAULTMETER_METRICS_PORT, a Prometheus on this host scrapes without credentials: on the loopback interface only, whatever HOST says. */
async function listenForScrapes(ctx: ServiceContext, port: number): Promise<FastifyInstance | null> {
  if (port === 0) return null;
  const app = await buildMetricsListener(ctx);
  await app.listen({ port, host: '127.0.0.1' });
  return app;
}

/** `replica` durability waits for a synchronous standby: without one configured, PostgreSQL would not wait at all. */
async function requireSynchronousStandby(db: Db): Promise<void> {
  if (!(await settingsRepo.synchronousStandbyNames(db))) {
    throw new Error(
      'VAULTMETER_DURABILITY=replica needs a synchronous standby: set synchronous_standby_names on the primary (see README, Operations: standby)',
    );
  }
}

/**
 * At start: a module whose ring is ahead of the database's checkpoint (the database was restored,
 * or failed over to a standby that missed the last commits) is recovered now, before any request:
 * rolled forward from the shipped log where it can be, else auto-recovered or inhibited.
 */
async function reconcileModules(
  ctx: ServiceContext,
  infos: readonly { serial: string; checkpoint: { record: string; mac: string }; inhibited: unknown }[],
  log: (m: string) => void,
): Promise<void> {
  for (const [i, info] of infos.entries()) {
    if (info.inhibited) continue;
    const stored = await repo.getCheckpoint(ctx.db, info.serial);
    if (stored && stored.record.toString('hex') === info.checkpoint.record && stored.mac.toString('hex') === info.checkpoint.mac) continue;
    if (!stored && info.checkpoint) {
      // A fresh module (or database): its first batch stores the checkpoint.
      const genesis = decodeCheckpointRecord(Buffer.from(info.checkpoint.record, 'hex'));
      if (genesis?.seq === 0n) continue;
    }
    log(`module ${info.serial}: its ring and the database disagree; recovering`);
    try {
      await recoverModule(ctx, ctx.modules.modules[i]!);
    } catch (e) {
      log(`module ${info.serial}: recovery at start failed: ${(e as Error).message}`);
    }
  }
}
