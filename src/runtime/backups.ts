import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BACKUP_INTERVAL_MS, DEFAULT_BACKUP_RETENTION, MAX_BACKUP_RETENTION } from '../constants.js';
import { ModuleConnection } from '../module/index.js';
import { backupRepo, type Db } from '../store/index.js';
import type { BackupHome } from '../ledger/index.js';
import type { ShipTarget } from '../platform/index.js';
import { createBackup, parseTarget, pruneBackups, type BackupResult } from '../txlog/index.js';
import { intFromEnv } from './env.js';
import { paths, readConfig } from './home.js';

/** What a backup carries of the home: the CA, and each module's certificate and (passphrase-sealed) keystore. */
export async function readBackupHome(home: string): Promise<BackupHome> {
  const config = await readConfig(home);
  const p = paths(home);
  const modules = await Promise.all(
    config.modules.map(async (m) => ({
      serial: m.serial,
      certPem: await readFile(join(p.certsDir, `module-${m.serial}.pem`), 'utf8'),
      keystore: (await readFile(join(home, m.keystore))).toString('base64'),
    })),
  );
  return { installationName: config.installationName, caCertPem: await readFile(p.caCert, 'utf8'), modules };
}

/** Where backups go: VAULTMETER_BACKUP_TO, else the home's backups directory (created). */
export async function backupTarget(home: string, spec = process.env.VAULTMETER_BACKUP_TO): Promise<ShipTarget> {
  if (spec) return parseTarget(spec);
  const dir = paths(home).backups;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return parseTarget(dir);
}

export interface BackupSchedule {
  readonly intervalMs: number;
  readonly keep: number;
}

export function backupScheduleFromEnv(): BackupSchedule {
  return {
    intervalMs: intFromEnv('VAULTMETER_BACKUP_INTERVAL_MS', DEFAULT_BACKUP_INTERVAL_MS, 0, 366 * 24 * 3600 * 1000),
    keep: intFromEnv('VAULTMETER_BACKUP_RETENTION', DEFAULT_BACKUP_RETENTION, 1, MAX_BACKUP_RETENTION),
  };
}

/** One backup with the first module that answers, then retention. */
export async function backupNow(db: Db, home: string, sockets: readonly string[], to: ShipTarget, keep: number): Promise<BackupResult & { pruned: string[] }> {
  const live = sockets.filter((s) => existsSync(s));
  if (live.length === 0) throw new Error('no module socket is up: is the system running? (`vaultmeter start`)');
  let lastError: unknown = null;
  for (const socket of live) {
    const m = new ModuleConnection(socket);
    try {
      const r = await createBackup(db, m, await readBackupHome(home), to, new Date());
      return { ...r, pruned: await pruneBackups(to, keep) };
    } catch (e) {
      lastError = e;
    } finally {
      m.close();
    }
  }
  throw lastError;
}

/** The daily backup is due when the newest one is older than the interval (0: never). */
export async function backupDue(db: Db, intervalMs: number, nowMs: number): Promise<boolean> {
  if (intervalMs === 0) return false;
  const last = await backupRepo.lastBackupAt(db);
  return !last || nowMs - last.getTime() >= intervalMs;
}

/** The module sockets of a running installation, as `vaultmeter start` names them. */
export async function moduleSockets(home: string): Promise<string[]> {
  const config = await readConfig(home);
  return config.modules.map((_, i) => join(paths(home).runDir, `module-${i + 1}.sock`));
}
