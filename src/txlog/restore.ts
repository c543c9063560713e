import { verify, X509Certificate } from 'node:crypto';
import type pg from 'pg';
import { fail } from '../errors.js';
import { backupManifestBytes, type ModuleConnection } from '../module/index.js';
import { certificateChainsTo } from '../crypto/index.js';
import { decodeBackup, type BackupFile } from '../ledger/index.js';
import { backupRepo, inClientTransaction } from '../store/index.js';

/**
 * A backup file, checked: its digest, and its manifest's signature by a module whose certificate
 * (carried in the backup) chains to the trusted CA — the operator's `--ca`, else the backup's own.
 */
export function verifiedBackup(bytes: Buffer, trustedCaPem: string | null, now: Date): BackupFile {
  let file: BackupFile;
  try {
    file = decodeBackup(bytes);
  } catch (e) {
    return fail('backup_invalid', (e as Error).message);
  }
  const { manifest, home } = file;
  const ca = new X509Certificate(trustedCaPem ?? home.caCertPem);
  const signer = home.modules.find((m) => m.serial === manifest.signer);
  if (!signer) fail('backup_invalid', `the backup names signer ${manifest.signer}, whose certificate it does not carry`);
  const cert = new X509Certificate(signer.certPem);
  if (!certificateChainsTo(cert, ca, now))
    fail('backup_invalid', `the signer's certificate does not chain to the trusted CA (${ca.subject.replace(/\n/g, ', ')})`);
  const message = backupManifestBytes({
    backupId: manifest.backupId,
    sha256: manifest.sha256,
    createdAt: manifest.createdAt,
    logPosition: manifest.logPosition,
    tables: manifest.tables,
    chunks: manifest.chunks,
  });
  if (!verify('sha256', message, cert.publicKey, Buffer.from(manifest.signature, 'hex')))
    fail('backup_invalid', 'the backup manifest signature does not verify');
  return file;
}

/**
 * Put a verified backup's snapshot into an empty database, in one transaction, as the owner role.
 * A module opens the chunks. Sequences are moved past the restored ids.
 */
export async function restoreSnapshot(
  db: pg.Client,
  module: ModuleConnection,
  file: BackupFile,
  onProgress: (rows: number, total: number) => void,
): Promise<number> {
  const { manifest } = file;
  const total = Object.values(manifest.tables).reduce((a, b) => a + b, 0);
  const plain: Buffer[] = [];
  for (const [index, sealed] of file.chunks.entries()) {
    const { data } = await module.call('openBackupChunk', {
      backupId: manifest.backupId,
      index,
      last: index === file.chunks.length - 1,
      data: sealed.toString('base64'),
    });
    plain.push(Buffer.from(data, 'base64'));
  }
  const lines = Buffer.concat(plain).toString('utf8').split('\n').filter(Boolean);
  const byTable = new Map<string, unknown[]>();
  for (const line of lines) {
    const { t, r } = JSON.parse(line) as { t: string; r: unknown };
    if (!(t in manifest.tables)) fail('backup_invalid', `the snapshot holds rows of ${t}, which the manifest does not list`);
    (byTable.get(t) ?? byTable.set(t, []).get(t)!).push(r);
  }
  checkLogPosition(manifest.logPosition, byTable.get(TXLOG_TABLE) ?? []);
  let done = 0;
  await inClientTransaction(db, async () => {
    // Some tables are seeded by migrations (e.g. the one system_state row): the backup's rows replace them.
    for (const t of Object.keys(manifest.tables).reverse()) await backupRepo.clearTable(db, t);
    for (const t of Object.keys(manifest.tables)) {
      const rows = byTable.get(t) ?? [];
      if (rows.length !== manifest.tables[t]) fail('backup_invalid', `${t}: the manifest says ${manifest.tables[t]} rows, the snapshot holds ${rows.length}`);
      for (let i = 0; i < rows.length; i += 1000) {
        const page = rows.slice(i, i + 1000);
        await backupRepo.insertJsonRows(db, t, page);
        done += page.length;
        onProgress(done, total);
      }
    }
    await backupRepo.resetSequences(db);
    await backupRepo.recordRestored(db, { backupId: manifest.backupId, createdAt: manifest.createdAt, logPosition: manifest.logPosition, rows: done });
  });
  return done;
}

const TXLOG_TABLE = 'postal.txlog';

/** The log position a manifest claims must be the last record of each log in the snapshot: replay starts right after it. */
function checkLogPosition(claimed: Readonly<Record<string, string>>, records: readonly unknown[]): void {
  const last = new Map<string, bigint>();
  for (const r of records as { log_id?: unknown; seq?: unknown }[]) {
    if (typeof r.log_id !== 'string' || !/^\d{1,19}$/.test(String(r.seq)))
      fail('backup_invalid', 'a log record of the snapshot has no log id or sequence number');
    const seq = BigInt(String(r.seq));
    const id = r.log_id;
    if (seq > (last.get(id) ?? 0n)) last.set(id, seq);
  }
  const held = [...last.entries()].map(([id, seq]) => `${id}:${seq}`).sort();
  const said = Object.entries(claimed)
    .map(([id, seq]) => `${id}:${seq}`)
    .sort();
  if (held.join(',') !== said.join(','))
    fail('backup_invalid', `the manifest's log position (${said.join(', ') || 'none'}) is not the snapshot's (${held.join(', ') || 'none'})`);
}
