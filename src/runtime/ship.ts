import { exitWithParent } from '../platform/index.js';
import { readFile } from 'node:fs/promises';
import { DB_RECONNECT_MAX_MS, SHIP_CONTINUOUS_IDLE_MS, SHIP_CONTINUOUS_MAX_IDLE_MS } from '../constants.js';
import { createDb, isConnectionError } from '../store/index.js';
import { ShipperElection } from './shipper-election.js';
import { Shipper } from '../txlog/index.js';
import { ModuleConnection, ModulePool } from '../module/index.js';
import { backupDue, backupNow, backupScheduleFromEnv, backupTarget } from './backups.js';
import { homeDir } from './home.js';
import { logSettingsFromEnv } from './log-settings.js';
import { mailSettingsFromEnv, runMailWorker } from './mail-worker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The log shipper process (started by `vaultmeter start`). It needs only the application role's
 * database URL and the CA certificate: everything it ships is public or sealed. One shipper per
 * installation holds a PostgreSQL advisory lock; another waits until that lock is free.
 * With SMTP_URL it also delivers the mail outbox, in a loop of its own, while elected.
 */
export async function runShipper(): Promise<void> {
  const dbUrl = process.env.VAULTMETER_DB_URL;
  const caPath = process.env.VAULTMETER_CA_CERT;
  if (!dbUrl || !caPath) throw new Error('ship needs VAULTMETER_DB_URL and VAULTMETER_CA_CERT (use `vaultmeter start`)');
  exitWithParent();
  const settings = logSettingsFromEnv();
  const log = (line: string) => process.stderr.write(`[shipper] ${line}\n`);
  const db = createDb(dbUrl, 4, { onConnectionError: (e) => log(`a database connection was lost: ${e.message}`) });
  const election = new ShipperElection(dbUrl, log);
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ ready: true, targets: settings.targets.map((t) => t.name), durability: settings.durability })}\n`);
  const isStopping = () => stopping;
  const mail = mailSettingsFromEnv();
  // Its own loop: a slow SMTP server never delays shipping the log, and the reverse.
  const mailer = mail ? runMailWorker({ db, settings: mail, log, active: () => election.elected, stopping: isStopping }) : Promise.resolve();
  if (await election.hold(isStopping))
    log(
      `elected; shipping to ${settings.targets.map((t) => t.name).join(', ')} every ${settings.intervalMs || 'moment (continuous)'}${settings.intervalMs ? ' ms' : ''}`,
    );
  const sockets = (process.env.VAULTMETER_MODULE_SOCKETS ?? '').split(',').filter(Boolean);
  const shipper = new Shipper({
    db,
    targets: settings.targets,
    policy: { maxRecords: settings.segmentRecords, maxAgeMs: settings.segmentMaxAgeMs },
    caCertPem: await readFile(caPath, 'utf8'),
    now: () => Date.now(),
    log,
    ...(sockets.length ? { releaseJournal: journalReleaser(sockets, log) } : {}),
  });
  const backups = backupScheduleFromEnv();
  const home = homeDir();
  const backupTo = backups.intervalMs > 0 ? await backupTarget(home) : null;
  // Continuous shipping idles with a growing pause, and wakes at once when an API server says an
  // answer is waiting for its log record (the `shipped` durability level).
  let idleMs = SHIP_CONTINUOUS_IDLE_MS;
  let failures = 0;
  while (await election.hold(isStopping)) {
    try {
      const r = await shipper.pass();
      failures = 0;
      if (backupTo && (await backupDue(db, backups.intervalMs, Date.now()))) {
        const b = await backupNow(db, home, sockets, backupTo, backups.keep);
        log(`daily backup ${b.manifest.backupId}: ${b.bytes} bytes to ${backupTo.name}; ${b.pruned.length} old backup(s) pruned`);
      }
      if (settings.intervalMs > 0) await sleep(settings.intervalMs);
      else if (r.cut === 0 && r.shipped === 0) {
        await election.pause(idleMs);
        idleMs = Math.min(idleMs * 2, SHIP_CONTINUOUS_MAX_IDLE_MS);
      } else idleMs = SHIP_CONTINUOUS_IDLE_MS;
    } catch (e) {
      // A target or the database is down: keep the position, back off, try again (the lag grows, and shows).
      // The database comes back within seconds (a restart, a failover), so its pause is shorter.
      failures++;
      log(`pass failed (${failures} in a row): ${(e as Error).message}`);
      await sleep(Math.min(isConnectionError(e) ? DB_RECONNECT_MAX_MS : 30_000, 250 * 2 ** Math.min(failures, 7)));
    }
  }
  await mailer;
  await election.end();
  await db.end();
  process.exit(0);
}

/** Tell a module (found by its serial) that its log is off-site up to a record; the module checks the hash against its journal. */
function journalReleaser(sockets: readonly string[], log: (line: string) => void): (logId: string, at: { seq: bigint; hash: string }) => Promise<void> {
  const pool = new ModulePool(sockets.map((s) => new ModuleConnection(s)));
  let identified = false;
  return async (logId, at) => {
    if (!identified) {
      await pool.identify();
      identified = true;
    }
    const r = await pool.byserial(logId).call('journalShipped', { at: { seq: at.seq.toString(), hash: at.hash } });
    if (r.dropped > 0) log(`module ${logId}: journal released to record ${at.seq} (${r.dropped} dropped; ${r.records} records, ${r.bytes} bytes kept)`);
  };
}
