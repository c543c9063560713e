import { randomBytes } from 'node:crypto';
import { BACKUP_PAGE_ROWS, MAX_BACKUP_CHUNK_BYTES } from '../constants.js';
import type { ModuleConnection } from '../module/index.js';
import { backupRepo, type Db } from '../store/index.js';
import { BACKUP_FORMAT, backupDigest, encodeBackup, frameChunk, homeLineOf, type BackupHome, type BackupManifest } from '../ledger/index.js';
import type { ShipTarget } from './targets/index.js';

/**
 * Schemas a backup covers (DESIGN.md). Left out: sessions and pending e-mail verifications (a
 * restored system starts with none), and the mail outbox (a restored system must not send again
 * mail that went out after the backup was taken).
 */
const SCHEMAS = ['postal', 'membership', 'provider', 'commerce', 'support', 'staging'];
const SKIPPED = new Set(['membership.sessions', 'membership.email_tokens', 'support.mail_outbox']);
/** Restore order: rows that others reference come first. */
const FIRST = ['postal.modules', 'postal.meters', 'membership.customers', 'postal.items'];

export interface BackupResult {
  readonly key: string;
  readonly manifest: BackupManifest;
  readonly bytes: number;
}

export async function backupTables(db: Db): Promise<string[]> {
  const names = (await backupRepo.tablesIn(db, SCHEMAS)).filter((n) => !SKIPPED.has(n));
  const rank = (n: string) => (FIRST.includes(n) ? FIRST.indexOf(n) : FIRST.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * `vaultmeter backup create`: one consistent snapshot of every schema, in one REPEATABLE READ
 * transaction; sealed chunk by chunk by a module (the key never leaves it), which hashes what it
 * seals and counts the rows and log records in it, then signs that (not what we would tell it),
 * and stored on `to` under backups/.
 */
export async function createBackup(db: Db, module: ModuleConnection, home: BackupHome, to: ShipTarget, now: Date): Promise<BackupResult> {
  const backupId = `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(6).toString('hex')}`;
  const plain = await snapshot(db);
  const homeLine = homeLineOf(home);
  await module.call('beginBackup', { backupId, home: homeLine.toString('base64') });
  const frames: Buffer[] = [];
  const pieces = chunk(plain.body, MAX_BACKUP_CHUNK_BYTES);
  for (const [index, piece] of pieces.entries()) {
    const { sealed } = await module.call('sealBackupChunk', { backupId, index, last: index === pieces.length - 1, data: piece.toString('base64') });
    frames.push(frameChunk(Buffer.from(sealed, 'base64')));
  }
  const { signature, signer, ...signed } = await module.call('signBackup', { backupId, tables: plain.tables });
  const manifest: BackupManifest = { format: BACKUP_FORMAT, ...signed, signer, signature };
  // The module's digest must be of the frames we keep: else it sealed something else than we store.
  if (manifest.sha256 !== backupDigest(homeLine, frames) || manifest.chunks !== frames.length)
    throw new Error(`module ${signer} signed backup ${backupId} for other bytes than it sealed for us`);
  const bytes = encodeBackup(manifest, homeLine, frames);
  const key = `backups/${backupId}.vmbk`;
  await to.put(key, bytes);
  await backupRepo.recordBackup(db, { backupId, location: `${to.name}/${key}`, bytes: bytes.length, logPosition: manifest.logPosition });
  return { key, manifest, bytes: bytes.length };
}

/** Keep the newest `keep` backups on a target; older ones are deleted. */
export async function pruneBackups(to: ShipTarget, keep: number): Promise<string[]> {
  const keys = (await to.list('backups/')).filter((k) => k.endsWith('.vmbk'));
  const old = keys.slice(0, Math.max(0, keys.length - keep));
  for (const k of old) await to.delete(k);
  return old;
}

/** Every table as JSON Lines ({"t": table, "r": row}) read in one snapshot, and the tables read. */
async function snapshot(db: Db): Promise<{ body: Buffer; tables: string[] }> {
  return backupRepo.inSnapshot(db, async (client) => {
    const parts: Buffer[] = [];
    const tables = await backupTables(db);
    for (const t of tables) {
      await backupRepo.forEachRowPage(client, t, BACKUP_PAGE_ROWS, (rows) => {
        for (const row of rows) parts.push(Buffer.from(`{"t":${JSON.stringify(t)},"r":${row}}\n`));
      });
    }
    return { body: Buffer.concat(parts), tables };
  });
}

function chunk(b: Buffer, size: number): Buffer[] {
  if (b.length === 0) return [b];
  const out: Buffer[] = [];
  for (let o = 0; o < b.length; o += size) out.push(b.subarray(o, o + size));
  return out;
}
