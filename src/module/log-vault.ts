import { MAX_BACKUP_CHUNK_BYTES, REPLAY_MODULE_BATCH } from '../constants.js';
import type { ModuleCrypto } from '../crypto/index.js';
import { fail, VaultError } from '../errors.js';
import { canonicalBytes } from '../protocol/index.js';
import { decodeHeader, openBody, recordHash } from '../ledger/index.js';
import type * as M from './messages.js';

// What a module does with the domain log key besides writing records: open shipped records for
// replay (after checking each one's hash), and seal, open and sign backups. None of it touches
// the ring, so these ops run outside the serial queue. Keys never leave the module (nor reach this
// file: it works through the crypto port): backups are sealed chunk by chunk inside it.

const BACKUP_SIGN_DOMAIN = 'vaultmeter/backup-manifest/v1';

export type VaultCrypto = Pick<ModuleCrypto, 'serial' | 'openLogBody' | 'sealBackupChunk' | 'openBackupChunk' | 'signAsModule'>;

export class LogVault {
  constructor(private readonly crypto: VaultCrypto) {}

  /** Decrypt records of any log of this installation; a record whose hash or seal fails is reported, never skipped. */
  async openLog(args: M.OpenLogArgs): Promise<M.OpenLogResult> {
    if (!Array.isArray(args.records) || args.records.length > REPLAY_MODULE_BATCH)
      fail('invalid_request', `open 0 to ${REPLAY_MODULE_BATCH} records at a time`);
    const bodies: Record<string, unknown>[] = [];
    for (const [i, r] of args.records.entries()) {
      const header = hexBytes(r.header, i);
      const body = Buffer.from(String(r.body), 'base64');
      // The caller may name the log (replay has decoded every header already): the header is the
      // body's associated data, so a wrong log id or a changed header fails authentication anyway.
      const logId =
        typeof r.logId === 'string'
          ? r.logId
          : (decodeHeader(header)?.logId ?? fail('log_record_invalid', `record ${i}: the header is malformed`, { index: i }));
      if (r.hash !== undefined && recordHash({ header, body }) !== r.hash)
        fail('log_record_invalid', `record ${i} of log ${logId}: the hash does not match`, { index: i });
      const opened = await this.openOne(logId, { header, body }, i);
      if (!opened) fail('log_record_invalid', `record ${i} of log ${logId}: the body fails authentication`, { index: i });
      bodies.push(opened);
    }
    return { bodies };
  }

  private async openOne(logId: string, r: { header: Buffer; body: Buffer }, i: number): Promise<Record<string, unknown> | null> {
    try {
      return await openBody(this.crypto, logId, r);
    } catch (e) {
      if (e instanceof VaultError && e.code === 'key_version_unknown') fail('key_version_unknown', `record ${i} of log ${logId}: ${e.message}`, { index: i });
      throw e;
    }
  }

  async sealBackupChunk(args: M.BackupChunkArgs): Promise<{ sealed: string }> {
    const plain = Buffer.from(String(args.data), 'base64');
    if (plain.length > MAX_BACKUP_CHUNK_BYTES) fail('invalid_request', `a backup chunk is at most ${MAX_BACKUP_CHUNK_BYTES} bytes`);
    return { sealed: (await this.crypto.sealBackupChunk(backupIdOf(args), chunkAad(args), plain)).toString('base64') };
  }

  async openBackupChunk(args: M.BackupChunkArgs): Promise<{ data: string }> {
    const plain = await this.crypto.openBackupChunk(backupIdOf(args), chunkAad(args), Buffer.from(String(args.data), 'base64'));
    if (!plain) fail('backup_invalid', `backup ${args.backupId}: chunk ${args.index} fails authentication`);
    return { data: plain.toString('base64') };
  }

  /** Sign a backup's manifest (its id, the digest of its sealed bytes, the log position it covers). */
  async signBackup(args: M.SignBackupArgs): Promise<{ signature: string; signer: string }> {
    const signature = await this.crypto.signAsModule('backup-manifest', backupManifestBytes(args));
    return { signature: signature.toString('hex'), signer: this.crypto.serial };
  }
}

function backupIdOf(args: M.BackupChunkArgs): string {
  if (typeof args.backupId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(args.backupId)) fail('invalid_request', 'bad backup id');
  return args.backupId;
}

/** What a backup's signature covers; the verifier rebuilds it from the manifest. */
export function backupManifestBytes(m: M.SignBackupArgs): Buffer {
  if (typeof m.backupId !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256) || typeof m.logPosition !== 'object' || m.logPosition === null) {
    fail('invalid_request', 'a backup manifest has an id, a SHA-256 and a log position');
  }
  return canonicalBytes(BACKUP_SIGN_DOMAIN, {
    backupId: m.backupId,
    sha256: m.sha256,
    createdAt: String(m.createdAt),
    logPosition: JSON.stringify(sortKeys(m.logPosition)),
    tables: JSON.stringify(sortKeys(m.tables ?? {})),
    chunks: String(m.chunks ?? 0),
  });
}

function sortKeys(o: Readonly<Record<string, string | number>>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, String(o[k])]),
  );
}

function chunkAad(a: M.BackupChunkArgs): Buffer {
  if (!Number.isSafeInteger(a.index) || a.index < 0) fail('invalid_request', 'bad chunk index');
  return Buffer.from(`${a.backupId}|${a.index}|${a.last ? 'last' : 'more'}`);
}

function hexBytes(s: unknown, i: number): Buffer {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})+$/.test(s)) fail('log_record_invalid', `record ${i}: the header is not hex`, { index: i });
  return Buffer.from(s, 'hex');
}
