import { MAX_BACKUP_CHUNK_BYTES, REPLAY_MODULE_BATCH } from '../constants.js';
import type { ModuleCrypto } from '../crypto/index.js';
import { fail, VaultError } from '../errors.js';
import { canonicalBytes } from '../protocol/index.js';
import { decodeHeader, openBody, recordHash } from '../ledger/index.js';
import { BackupDigests } from './backup-digest.js';
import type * as M from './messages.js';

// What a module does with the domain log key besides writing records: open shipped records for
// replay (after checking each one's hash), and seal, open and sign backups. None of it touches
// the ring, so these ops run outside the serial queue. Keys never leave the module (nor reach this
// file: it works through the crypto port): backups are sealed chunk by chunk inside it, and signed
// only for what the module computed while sealing them (backup-digest.ts).

const BACKUP_SIGN_DOMAIN = 'vaultmeter/backup-manifest/v1';

export type VaultCrypto = Pick<ModuleCrypto, 'serial' | 'openLogBody' | 'sealBackupChunk' | 'openBackupChunk' | 'signAsModule'>;

/** What the vault knows of its module besides keys: its clock, and how far its own log goes. */
export interface VaultSelf {
  readonly now: () => number;
  /** The sequence number of the last record of this module's log. */
  readonly logHeadSeq: () => bigint;
}

export class LogVault {
  private readonly backups = new BackupDigests();

  constructor(
    private readonly crypto: VaultCrypto,
    private readonly self: VaultSelf,
  ) {}

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

  /** Begin sealing a backup: its digest starts with the home line. */
  async beginBackup(args: M.BeginBackupArgs): Promise<Record<string, never>> {
    this.backups.begin(backupIdOf(args), Buffer.from(args.home, 'base64'));
    return {};
  }

  /** Seal a begun backup's next chunk; the module hashes it and reads its rows as it goes. */
  async sealBackupChunk(args: M.BackupChunkArgs): Promise<{ sealed: string }> {
    const plain = Buffer.from(String(args.data), 'base64');
    if (plain.length > MAX_BACKUP_CHUNK_BYTES) fail('invalid_request', `a backup chunk is at most ${MAX_BACKUP_CHUNK_BYTES} bytes`);
    const aad = chunkAad(args);
    const backup = this.backups.of(backupIdOf(args));
    const sealed = await backup.seal(args.index, args.last, plain, (p) => this.crypto.sealBackupChunk(args.backupId, aad, p));
    return { sealed: sealed.toString('base64') };
  }

  async openBackupChunk(args: M.BackupChunkArgs): Promise<{ data: string }> {
    const plain = await this.crypto.openBackupChunk(backupIdOf(args), chunkAad(args), Buffer.from(String(args.data), 'base64'));
    if (!plain) fail('backup_invalid', `backup ${args.backupId}: chunk ${args.index} fails authentication`);
    return { data: plain.toString('base64') };
  }

  /**
   * Sign the manifest of a backup this module sealed wholly: the digest, chunk count, row counts and
   * log position are the module's own, and the time its clock's. A snapshot that holds records of
   * this module's log beyond the log's head is not a snapshot of this installation as it was.
   */
  async signBackup(args: M.SignBackupArgs): Promise<M.SignBackupResult> {
    const tables = declaredTables(args.tables);
    const summary = await this.backups.finish(backupIdOf(args), tables);
    const own = summary.logPosition[this.crypto.serial];
    if (own !== undefined && BigInt(own) > this.self.logHeadSeq())
      fail('backup_refused', `the snapshot holds record ${own} of log ${this.crypto.serial}, whose head is record ${this.self.logHeadSeq()}`);
    const manifest: M.BackupManifestFields = { backupId: args.backupId, createdAt: new Date(this.self.now()).toISOString(), ...summary };
    const signature = await this.crypto.signAsModule('backup-manifest', backupManifestBytes(manifest));
    return { ...manifest, signature: signature.toString('hex'), signer: this.crypto.serial };
  }
}

function declaredTables(tables: readonly string[]): string[] {
  if (!tables.every((t) => /^[a-z_]+\.[a-z_]+$/.test(t)) || new Set(tables).size !== tables.length)
    fail('invalid_request', 'the tables of a backup are distinct schema.table names');
  return [...tables];
}

function backupIdOf(args: { readonly backupId: string }): string {
  if (typeof args.backupId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(args.backupId)) fail('invalid_request', 'bad backup id');
  return args.backupId;
}

/** What a backup's signature covers; the verifier rebuilds it from the manifest. */
export function backupManifestBytes(m: M.BackupManifestFields): Buffer {
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
