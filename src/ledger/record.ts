import { createHash } from 'node:crypto';
import { envelopeVersion, hkdf, type LogBodyCrypto } from '../crypto/index.js';
import { canonicalBytes, decodeCanonicalStrict } from '../protocol/index.js';

// One transaction-log record: a clear header anyone can read and check (sequence, time, type,
// meter, module, the hash of the previous record, registers before and after), and a body sealed
// with AES-256-GCM under a key derived from the domain log key, with the header as associated data,
// in a versioned envelope (key version byte first): the log key can rotate and old records still open.
// Records of one log form a hash chain; a module signs the chain's head (see head.ts).

const HEADER_DOMAIN = 'vaultmeter/txlog-record/v1';
const HASH_DOMAIN = Buffer.from('vaultmeter/txlog-hash/v1');
const BODY_KEY_INFO = 'vaultmeter/txlog-body/v1';
export const GENESIS_HASH = '00'.repeat(32);

export interface LogHeader {
  /** The log this record belongs to: the serial of the module that wrote it. */
  readonly logId: string;
  readonly seq: bigint;
  readonly atMs: number;
  /** The module op (provision, command, fund, …) or `log:<action>` for an operator action. */
  readonly type: string;
  /** '' when the record concerns no meter. */
  readonly meterId: string;
  readonly moduleSerial: string;
  /** hex SHA-256 of the previous record of this log; GENESIS_HASH for the first. */
  readonly prevHash: string;
  /** Package version and registers before and after: what the audit verifier checks for continuity (0 when no package). */
  readonly versionBefore: bigint;
  readonly versionAfter: bigint;
  readonly arBeforeMills: bigint;
  readonly drBeforeMills: bigint;
  readonly arAfterMills: bigint;
  readonly drAfterMills: bigint;
}

export interface LogRecord {
  readonly header: Buffer;
  readonly body: Buffer;
}

const BIGINT_FIELDS = ['seq', 'versionBefore', 'versionAfter', 'arBeforeMills', 'drBeforeMills', 'arAfterMills', 'drAfterMills'] as const;

export function encodeHeader(h: LogHeader): Buffer {
  const fields: Record<string, string> = {
    logId: h.logId,
    atMs: String(h.atMs),
    type: h.type,
    meterId: h.meterId,
    moduleSerial: h.moduleSerial,
    prevHash: h.prevHash,
  };
  for (const f of BIGINT_FIELDS) fields[f] = h[f].toString();
  return canonicalBytes(HEADER_DOMAIN, fields);
}

const DIGITS = /^(0|[1-9]\d{0,18})$/;

/** The header of a record, or null when the bytes are not a well-formed v1 header. */
export function decodeHeader(bytes: Buffer): LogHeader | null {
  const f = decodeCanonicalStrict(HEADER_DOMAIN, bytes);
  if (!f) return null;
  const names = ['logId', 'atMs', 'type', 'meterId', 'moduleSerial', 'prevHash', ...BIGINT_FIELDS];
  if (Object.keys(f).length !== names.length || names.some((n) => f[n] === undefined)) return null;
  if (!BIGINT_FIELDS.every((n) => DIGITS.test(f[n]!)) || !DIGITS.test(f.atMs!) || !/^[0-9a-f]{64}$/.test(f.prevHash!)) return null;
  // A time that a JS number cannot hold exactly would be rounded: two different headers would decode alike.
  if (String(Number(f.atMs)) !== f.atMs) return null;
  const header: LogHeader = {
    logId: f.logId!,
    seq: BigInt(f.seq!),
    atMs: Number(f.atMs),
    type: f.type!,
    meterId: f.meterId!,
    moduleSerial: f.moduleSerial!,
    prevHash: f.prevHash!,
    versionBefore: BigInt(f.versionBefore!),
    versionAfter: BigInt(f.versionAfter!),
    arBeforeMills: BigInt(f.arBeforeMills!),
    drBeforeMills: BigInt(f.drBeforeMills!),
    arAfterMills: BigInt(f.arAfterMills!),
    drAfterMills: BigInt(f.drAfterMills!),
  };
  // Only the canonical form: decodeCanonicalStrict checked the order and the UTF-8, the regexes the numbers.
  return header;
}

/** hex SHA-256 over a domain tag, the header (length-prefixed) and the sealed body. */
export function recordHash(r: LogRecord): string {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(r.header.length);
  return createHash('sha256').update(HASH_DOMAIN).update(len).update(r.header).update(r.body).digest('hex');
}

/** The body key of log `logId` for one version of the domain log key (a software backend derives it). */
export function bodyKey(logKey: Buffer, logId: string): Buffer {
  return hkdf(logKey, Buffer.from(logId, 'utf8'), BODY_KEY_INFO);
}

/** The key version a sealed body names (its first byte), or null for an empty body. */
export function bodyKeyVersion(body: Uint8Array): number | null {
  return envelopeVersion(body);
}

export function sealBody(crypto: Pick<LogBodyCrypto, 'sealLogBody'>, logId: string, header: Buffer, body: object): Promise<Buffer> {
  return crypto.sealLogBody(logId, header, Buffer.from(JSON.stringify(body), 'utf8'));
}

/**
 * The body's JSON, or null when it fails authentication under this header (or is not a JSON
 * object). A body sealed under a key version the module does not hold throws key_version_unknown.
 */
export async function openBody(crypto: Pick<LogBodyCrypto, 'openLogBody'>, logId: string, r: LogRecord): Promise<Record<string, unknown> | null> {
  const plain = await crypto.openLogBody(logId, r.header, r.body);
  if (!plain) return null;
  try {
    const v = JSON.parse(plain.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
