import { createHash } from 'node:crypto';

// A backup file: three parts.
//   line 1  the manifest (JSON): id, time, the log position it covers, digest, module signature
//   line 2  the home (JSON, clear): installation name, CA certificate, each module's keystore —
//           already sealed under scrypt(passphrase) — so that an empty home can be rebuilt
//   rest    the database snapshot, JSON Lines, in chunks sealed by a module: u32 length | sealed
// The digest covers line 2 and every chunk; the signature covers the manifest's fields.

export const BACKUP_FORMAT = 'vaultmeter-backup/1';

export interface BackupManifest {
  readonly format: typeof BACKUP_FORMAT;
  readonly backupId: string;
  readonly createdAt: string;
  /** log id -> last sequence number in the snapshot */
  readonly logPosition: Readonly<Record<string, string>>;
  readonly tables: Readonly<Record<string, number>>;
  readonly chunks: number;
  /** hex SHA-256 of the home line (with its newline) and the chunk frames */
  readonly sha256: string;
  readonly signer: string;
  /** hex DER ECDSA by the signer module over backupManifestBytes */
  readonly signature: string;
}

export interface BackupHome {
  readonly installationName: string;
  readonly caCertPem: string;
  readonly modules: readonly { readonly serial: string; readonly certPem: string; /** base64 of the sealed keystore file */ readonly keystore: string }[];
}

export interface BackupFile {
  readonly manifest: BackupManifest;
  readonly home: BackupHome;
  readonly chunks: readonly Buffer[];
}

export function backupDigest(homeLine: Buffer, chunkFrames: readonly Buffer[]): string {
  const h = createHash('sha256').update(homeLine);
  for (const f of chunkFrames) h.update(f);
  return h.digest('hex');
}

export function frameChunk(sealed: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(sealed.length);
  return Buffer.concat([len, sealed]);
}

export function encodeBackup(manifest: BackupManifest, homeLine: Buffer, frames: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`${JSON.stringify(manifest)}\n`), homeLine, ...frames]);
}

export function homeLineOf(home: BackupHome): Buffer {
  return Buffer.from(`${JSON.stringify(home)}\n`);
}

export class BackupFormatError extends Error {}

/** Split a backup file into its parts and check the digest; the signature is the caller's to check. */
export function decodeBackup(bytes: Buffer): BackupFile {
  const nl1 = bytes.indexOf(0x0a);
  if (nl1 < 0) throw new BackupFormatError('not a Vaultmeter backup (no manifest line)');
  const nl2 = bytes.indexOf(0x0a, nl1 + 1);
  if (nl2 < 0) throw new BackupFormatError('the backup is truncated (no home line)');
  let manifest: BackupManifest;
  let home: BackupHome;
  try {
    manifest = JSON.parse(bytes.subarray(0, nl1).toString('utf8')) as BackupManifest;
    home = JSON.parse(bytes.subarray(nl1 + 1, nl2).toString('utf8')) as BackupHome;
  } catch {
    throw new BackupFormatError('not a Vaultmeter backup (the manifest or home line is not JSON)');
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(manifest) || !isObject(home)) throw new BackupFormatError(`not a ${BACKUP_FORMAT} file (the manifest or home line is not a JSON object)`);
  if (manifest.format !== BACKUP_FORMAT) throw new BackupFormatError(`not a ${BACKUP_FORMAT} file`);
  if (!Array.isArray(home.modules) || typeof home.caCertPem !== 'string') throw new BackupFormatError('the backup home line lacks the CA or the modules');
  const frames: Buffer[] = [];
  const chunks: Buffer[] = [];
  let o = nl2 + 1;
  while (o < bytes.length) {
    if (o + 4 > bytes.length) throw new BackupFormatError('the backup is truncated (inside a chunk header)');
    const len = bytes.readUInt32BE(o);
    if (o + 4 + len > bytes.length) throw new BackupFormatError(`the backup is truncated (chunk ${chunks.length} is cut)`);
    frames.push(bytes.subarray(o, o + 4 + len));
    chunks.push(bytes.subarray(o + 4, o + 4 + len));
    o += 4 + len;
  }
  if (chunks.length !== manifest.chunks) throw new BackupFormatError(`the manifest announces ${manifest.chunks} chunks, the file holds ${chunks.length}`);
  if (backupDigest(bytes.subarray(nl1 + 1, nl2 + 1), frames) !== manifest.sha256)
    throw new BackupFormatError('the backup does not match its digest (changed or corrupted)');
  return { manifest, home, chunks };
}
