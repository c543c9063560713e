import { sign, type KeyObject } from 'node:crypto';
import { MAX_BACKUP_CHUNK_BYTES, REPLAY_MODULE_BATCH } from '../constants.js';
import { open, seal } from '../crypto/aead.js';
import { hkdf } from '../crypto/kdf.js';
import { fail } from '../errors.js';
import { canonicalBytes } from '../protocol/canonical.js';
import { bodyKey, decodeHeader, openBody, recordHash } from '../txlog/record.js';
import type * as M from './messages.js';

// What a module does with the domain log key besides writing records: open shipped records for
// replay (after checking each one's hash), and seal, open and sign backups. None of it touches
// the ring, so these ops run outside the serial queue. Keys never leave the module: backups are
// sealed chunk by chunk inside it.

const BACKUP_KEY_INFO = 'vaultmeter/backup/v1';
const BACKUP_SIGN_DOMAIN = 'vaultmeter/backup-manifest/v1';

export class LogVault {
  private readonly bodyKeys = new Map<string, Buffer>();

  constructor(
    private readonly logKey: Buffer,
    private readonly identityKey: KeyObject,
    private readonly serial: string,
  ) {}

  /** Decrypt records of any log of this installation; a record whose hash or seal fails is reported, never skipped. */
  openLog(args: M.OpenLogArgs): M.OpenLogResult {
    if (!Array.isArray(args.records) || args.records.length > REPLAY_MODULE_BATCH) fail('invalid_request', `open 0 to ${REPLAY_MODULE_BATCH} records at a time`);
    const bodies = args.records.map((r, i) => {
      const header = hexBytes(r.header, i);
      const body = Buffer.from(String(r.body), 'base64');
      // The caller may name the log (replay has decoded every header already): the header is the
      // body's associated data, so a wrong log id or a changed header fails authentication anyway.
      const logId = typeof r.logId === 'string' ? r.logId : (decodeHeader(header)?.logId ?? fail('log_record_invalid', `record ${i}: the header is malformed`, { index: i }));
      if (r.hash !== undefined && recordHash({ header, body }) !== r.hash) fail('log_record_invalid', `record ${i} of log ${logId}: the hash does not match`, { index: i });
      const opened = openBody(this.bodyKeyOf(logId), { header, body });
      if (!opened) fail('log_record_invalid', `record ${i} of log ${logId}: the body fails authentication`, { index: i });
      return opened;
    });
    return { bodies };
  }

  sealBackupChunk(args: M.BackupChunkArgs): { sealed: string } {
    const plain = Buffer.from(String(args.data), 'base64');
    if (plain.length > MAX_BACKUP_CHUNK_BYTES) fail('invalid_request', `a backup chunk is at most ${MAX_BACKUP_CHUNK_BYTES} bytes`);
    return { sealed: seal(this.backupKey(args.backupId), plain, chunkAad(args)).toString('base64') };
  }

  openBackupChunk(args: M.BackupChunkArgs): { data: string } {
    const plain = open(this.backupKey(args.backupId), Buffer.from(String(args.data), 'base64'), chunkAad(args));
    if (!plain) fail('backup_invalid', `backup ${args.backupId}: chunk ${args.index} fails authentication`);
    return { data: plain.toString('base64') };
  }

  /** Sign a backup's manifest (its id, the digest of its sealed bytes, the log position it covers). */
  signBackup(args: M.SignBackupArgs): { signature: string; signer: string } {
    return { signature: sign('sha256', backupManifestBytes(args), this.identityKey).toString('hex'), signer: this.serial };
  }

  private bodyKeyOf(logId: string): Buffer {
    let k = this.bodyKeys.get(logId);
    if (!k) {
      k = bodyKey(this.logKey, logId);
      this.bodyKeys.set(logId, k);
    }
    return k;
  }

  private backupKey(backupId: string): Buffer {
    if (typeof backupId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(backupId)) fail('invalid_request', 'bad backup id');
    return hkdf(this.logKey, Buffer.from(backupId), BACKUP_KEY_INFO);
  }
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
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, String(o[k])]));
}

function chunkAad(a: M.BackupChunkArgs): Buffer {
  if (!Number.isSafeInteger(a.index) || a.index < 0) fail('invalid_request', 'bad chunk index');
  return Buffer.from(`${a.backupId}|${a.index}|${a.last ? 'last' : 'more'}`);
}

function hexBytes(s: unknown, i: number): Buffer {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})+$/.test(s)) fail('log_record_invalid', `record ${i}: the header is not hex`, { index: i });
  return Buffer.from(s, 'hex');
}
