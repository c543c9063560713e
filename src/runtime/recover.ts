import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { MODULE_START_TIMEOUT_MS } from '../constants.js';
import { fail } from '../errors.js';
import { decodeCheckpointRecord, ModuleConnection } from '../module/index.js';
import { backupRepo, recoveryRepo, repo, txlogRepo } from '../store/index.js';
import { decodeHeader, verifyShippedLog, type BackupHome } from '../ledger/index.js';
import { type ShipTarget, withoutSecrets, writeFileAtomic } from '../platform/index.js';
import { adoptShippedSegments, replayLog, restoreSnapshot, verifiedBackup, type ReplayProgress } from '../txlog/index.js';
import { spawnVaultmeter, stopChild } from './children.js';
import { openDatabase } from './database.js';
import { freePort } from './init.js';
import { isInitialised, paths, readConfig, writeConfig, type InstallationConfig } from './home.js';

export interface RecoverOptions {
  readonly home: string;
  readonly backup: Buffer;
  readonly log: ShipTarget;
  /** The CA the operator trusts; null: the CA inside the backup. */
  readonly caPem: string | null;
  readonly passphrase: string;
  /** Development only: keep the passphrase in the new home, as `init` does for `npm start`. */
  readonly keepDevPassphrase: boolean;
  readonly say: (line: string) => void;
  readonly progress: (what: string, done: number, total: number) => void;
}

export interface RecoveryReport {
  readonly backupId: string;
  readonly backupCreatedAt: string;
  readonly meters: number;
  readonly items: number;
  readonly arMills: string;
  readonly drMills: string;
  readonly controlTotalMills: string;
  readonly replayed: Record<string, number>;
  readonly replayedTotal: number;
  readonly lastSeq: Record<string, string>;
  readonly restoredRows: number;
  /** Wall time of each stage, and the replay rate (records per second). */
  readonly timingsMs: { readonly verifyLog: number; readonly restore: number; readonly replay: number; readonly total: number };
  readonly replayRecordsPerSec: number;
}

interface Marker {
  backupId: string;
  restored: boolean;
}

const markerPath = (home: string) => join(home, 'recovery.json');

/**
 * Catastrophic recovery into an empty home (or an empty DATABASE_URL): rebuild the home from the
 * backup, restore its snapshot, replay every shipped record after it (modules open and check each
 * one), and re-seed every module's ring at the end of its log. Safe to run again after an
 * interruption: a marker file says how far it got, and replay resumes from the database's log.
 */
export async function recoverInstallation(o: RecoverOptions): Promise<RecoveryReport> {
  const t0 = Date.now();
  const file = verifiedBackup(o.backup, o.caPem, new Date());
  const { manifest, home } = file;
  o.say(`backup ${manifest.backupId} of ${manifest.createdAt}: signature by module ${manifest.signer} verified`);
  const marker = await prepareHome(o, file.home, manifest.backupId);
  const tVerify = Date.now();
  const check = await verifyShippedLog(o.log, { caPem: o.caPem ?? home.caCertPem, onProgress: (d, t) => o.progress('verifying the shipped log', d, t) });
  if (!check.ok) {
    const first = check.problems[0]!;
    fail(
      'log_record_invalid',
      `the shipped log fails verification at ${first.key}${first.line ? ` line ${first.line}` : ''}${first.seq ? ` (record ${first.seq})` : ''}: ${first.message}`,
      {
        problem: first,
      },
    );
  }
  const verifyMs = Date.now() - tVerify;
  o.say(`shipped log verified: ${check.records} records in ${check.segments} segments`);
  const config = await readConfig(o.home);
  const db = await openDatabase(o.home, config, () => {});
  const modules: { serial: string; conn: ModuleConnection; stop: () => Promise<void> }[] = [];
  const owner = new pg.Client({ connectionString: db.ownerUrl });
  try {
    for (const [i, m] of config.modules.entries()) modules.push({ serial: m.serial, ...(await startModule(o, i, m.keystore)) });
    await owner.connect();
    let restoredRows = 0;
    const tRestore = Date.now();
    // The restore commits with an audit record naming the backup: that record, not only the marker
    // file, says the snapshot is in (a crash between the commit and the marker write loses nothing).
    if (!marker.restored && !(await backupRepo.wasRestored(owner, manifest.backupId))) {
      await refuseNonEmpty(owner);
      restoredRows = await restoreSnapshot(owner, modules[0]!.conn, file, (d, t) => o.progress('restoring the snapshot', d, t));
    }
    await writeFileAtomic(markerPath(o.home), JSON.stringify({ ...marker, restored: true }), 0o600);
    const restoreMs = Date.now() - tRestore;
    const tReplay = Date.now();
    const r = await replayLog(
      owner,
      modules.map((m) => m.conn),
      o.log,
      (p: ReplayProgress) => o.progress(`replaying log ${p.logId}`, p.replayed, p.total),
    );
    const replayMs = Date.now() - tReplay;
    await adoptShippedSegments(owner, o.log);
    for (const m of modules) await reseed(owner, m.serial, m.conn);
    await recoveryRepo.clearHalt(owner);
    const replayedTotal = Object.values(r.replayed).reduce((a, b) => a + b, 0);
    const report: RecoveryReport = {
      backupId: manifest.backupId,
      backupCreatedAt: manifest.createdAt,
      ...(await totals(owner)),
      replayed: r.replayed,
      replayedTotal,
      lastSeq: r.lastSeq,
      restoredRows,
      timingsMs: { verifyLog: verifyMs, restore: restoreMs, replay: replayMs, total: Date.now() - t0 },
      replayRecordsPerSec: replayMs > 0 ? Math.round((replayedTotal * 1000) / replayMs) : 0,
    };
    await rm(markerPath(o.home), { force: true });
    return report;
  } finally {
    await owner.end().catch(() => {});
    for (const m of modules) await m.stop();
    await db.stop();
  }
}

/** Write the home from the backup (a fresh one), or pick up an interrupted recovery of the same backup. */
async function prepareHome(o: RecoverOptions, home: BackupHome, backupId: string): Promise<Marker> {
  if (existsSync(markerPath(o.home))) {
    const m = JSON.parse(await readFile(markerPath(o.home), 'utf8')) as Marker;
    if (m.backupId !== backupId) throw new Error(`${o.home} holds an interrupted recovery of backup ${m.backupId}, not ${backupId}`);
    o.say(`resuming the interrupted recovery (${m.restored ? 'snapshot restored; replaying' : 'restoring the snapshot'})`);
    return m;
  }
  if (isInitialised(o.home)) throw new Error(`${o.home} already holds an installation: recover into an empty home`);
  if (existsSync(o.home) && (await readdir(o.home)).length > 0) throw new Error(`${o.home} is not empty: recover into an empty home`);
  await mkdir(o.home, { recursive: true, mode: 0o711 });
  const p = paths(o.home);
  await mkdir(p.certsDir, { recursive: true });
  await mkdir(p.modulesDir, { recursive: true, mode: 0o700 });
  await writeFile(p.caCert, home.caCertPem);
  const modules: { serial: string; keystore: string }[] = [];
  for (const [i, m] of home.modules.entries()) {
    new X509Certificate(m.certPem); // a malformed certificate fails here, before anything is written for it
    const keystore = join('modules', `module-${i + 1}.keystore`);
    await writeFileAtomic(join(o.home, keystore), Buffer.from(m.keystore, 'base64'), 0o600);
    await writeFile(join(p.certsDir, `module-${m.serial}.pem`), m.certPem);
    modules.push({ serial: m.serial, keystore });
  }
  if (o.keepDevPassphrase) await writeFileAtomic(p.devPassphrase, `${o.passphrase}\n`, 0o600);
  const marker: Marker = { backupId, restored: false };
  await writeFileAtomic(markerPath(o.home), JSON.stringify(marker), 0o600);
  const config: InstallationConfig = {
    format: 1,
    installationName: home.installationName,
    createdAt: new Date().toISOString(),
    embedded: process.env.DATABASE_URL ? null : { port: await freePort(0), ownerPassword: randomBytes(18).toString('base64url') },
    appDbPassword: randomBytes(18).toString('base64url'),
    dssDbPassword: randomBytes(18).toString('base64url'),
    modules,
  };
  await writeConfig(o.home, config);
  return marker;
}

async function startModule(o: RecoverOptions, i: number, keystore: string): Promise<{ conn: ModuleConnection; stop: () => Promise<void> }> {
  const p = paths(o.home);
  await mkdir(p.runDir, { recursive: true, mode: 0o700 });
  const socket = join(p.runDir, `recover-${i + 1}.sock`);
  const ring = join(o.home, keystore.replace(/\.keystore$/, '.ring'));
  const env = withoutSecrets(process.env);
  const { child } = await spawnVaultmeter(['module', '--keystore', join(o.home, keystore), '--socket', socket, '--ring', ring], {
    env,
    stdin: `${o.passphrase}\n`,
    timeoutMs: MODULE_START_TIMEOUT_MS,
    onStderr: () => {},
  });
  const conn = new ModuleConnection(socket);
  return {
    conn,
    stop: async () => {
      conn.close();
      await stopChild(child);
    },
  };
}

async function refuseNonEmpty(db: pg.Client): Promise<void> {
  if ((await recoveryRepo.metersAndRecords(db)) > 0n) throw new Error('the database already holds meters or log records: recover into an empty database');
}

/**
 * A module from the off-site vault has no ring to compare (the patent's point): its ring restarts
 * here, continuing its log after the last record the database now holds.
 */
async function reseed(db: pg.Client, serial: string, m: ModuleConnection): Promise<void> {
  const head = await txlogRepo.logHead(db, serial);
  const { checkpoint } = await m.call('reseed', { checkpoint: null, ...(head ? { log: { seq: head.seq.toString(), hash: head.hash } } : {}) });
  const record = Buffer.from(checkpoint.record, 'hex');
  const c = decodeCheckpointRecord(record)!;
  await repo.storeCheckpoint(db, serial, {
    record,
    mac: Buffer.from(checkpoint.mac, 'hex'),
    seq: c.seq,
    at: new Date(c.atMs),
    type: c.type,
    valueMills: c.amountMills,
  });
  await repo.setModuleState(db, serial, 'active', null);
  await recoveryRepo.clearInhibited(db, serial);
}

/** Meters, items and register totals, from each meter's newest log record (registers live sealed in packages). */
async function totals(db: pg.Client): Promise<{ meters: number; items: number; arMills: string; drMills: string; controlTotalMills: string }> {
  const meters = await recoveryRepo.countMeters(db);
  const items = await recoveryRepo.countItems(db);
  let ar = 0n;
  let dr = 0n;
  for (const header of await recoveryRepo.newestMeterHeaders(db)) {
    const h = decodeHeader(header);
    if (!h) continue;
    ar += h.arAfterMills;
    dr += h.drAfterMills;
  }
  return { meters, items, arMills: ar.toString(), drMills: dr.toString(), controlTotalMills: (ar + dr).toString() };
}
