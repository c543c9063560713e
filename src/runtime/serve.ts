import { DEFAULT_HALT_THRESHOLD, DEFAULT_LICENSING_ZIP, DEFAULT_PORT, MAX_METER_POOL, MAX_MODULE_COUNT, METER_POOL_TARGET } from '../constants.js';
import { intFromEnv } from './env.js';
import { ModuleConnection, ModulePool } from '../module/index.js';
import { buildApp, MeterPool, type ServerContext } from '../server/index.js';
import { createDb, repo, type Db } from '../store/index.js';
import { ShippedWaiter } from '../server/shipped-wait.js';
import { logSettingsFromEnv } from './log-settings.js';

/**
 * The API server process. It gets the database URL of the application role and the module sockets;
 * it never sees the passphrase or a keystore, so it cannot read module keys.
 */
export async function runApiServer(): Promise<void> {
  const dbUrl = process.env.VAULTMETER_DB_URL;
  const sockets = (process.env.VAULTMETER_MODULE_SOCKETS ?? '').split(',').filter(Boolean);
  if (!dbUrl || sockets.length === 0) throw new Error('serve needs VAULTMETER_DB_URL and VAULTMETER_MODULE_SOCKETS (use `vaultmeter start`)');
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  const host = process.env.HOST ?? '127.0.0.1';
  const settings = logSettingsFromEnv();
  const db = createDb(dbUrl, undefined, settings.durability === 'replica' ? { synchronousCommit: 'remote_apply' } : {});
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
  const ctx: ServerContext = {
    db,
    modules,
    caCertPem: infos[0]!.caCertPem,
    licensingZip: process.env.VAULTMETER_LICENSING_ZIP ?? DEFAULT_LICENSING_ZIP,
    haltThreshold: intFromEnv('VAULTMETER_HALT_THRESHOLD', DEFAULT_HALT_THRESHOLD, 1, MAX_MODULE_COUNT),
    shipTargets,
    durability: settings.durability,
    shipped,
  };
  const log = (msg: string) => process.stderr.write(`[api] ${msg}\n`);
  const pool = new MeterPool(ctx, log, intFromEnv('VAULTMETER_POOL_SIZE', METER_POOL_TARGET, 0, MAX_METER_POOL));
  const app = await buildApp(ctx, { logger: process.env.VAULTMETER_LOG === '1' });
  await app.listen({ port, host });
  pool.start();
  const url = `http://${host}:${port}`;
  process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);
  const stop = async () => {
    await pool.stop();
    await app.close();
    await shipped?.close();
    modules.close();
    await db.end();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

/** `replica` durability waits for a synchronous standby: without one configured, PostgreSQL would not wait at all. */
async function requireSynchronousStandby(db: Db): Promise<void> {
  const r = await db.query<{ names: string }>('SELECT current_setting(\'synchronous_standby_names\') AS names');
  if (!r.rows[0]?.names) {
    throw new Error('VAULTMETER_DURABILITY=replica needs a synchronous standby: set synchronous_standby_names on the primary (see README, Operations: standby)');
  }
}
