import type { ModuleCrypto } from '../crypto/index.js';
import type { CheckpointWire } from './messages.js';
import { canonicalBytes, decodeCanonical } from '../protocol/index.js';
import { GENESIS_HASH } from '../ledger/index.js';

// A checkpoint is one ring entry: the module's record of one transaction that changed a package,
// with the module's running totals. Its canonical bytes are MAC'd with the domain checkpoint key
// (through the crypto port), so the copy in postal.modules cannot be forged by anyone without module keys.

const DOMAIN = 'vaultmeter/checkpoint/v1';

export interface Checkpoint {
  /** The module's transaction counter; 0 is the genesis entry of a fresh ring. */
  readonly seq: bigint;
  readonly moduleSerial: string;
  readonly meterId: string;
  readonly type: string;
  readonly amountMills: bigint;
  readonly arMills: bigint;
  readonly drMills: bigint;
  readonly packageVersion: bigint;
  readonly atMs: number;
  readonly fundedMills: bigint;
  readonly printedMills: bigint;
  readonly refundedMills: bigint;
  /** The module's transaction log (log id = module serial): records written so far, and the last one's hash. */
  readonly logSeq: bigint;
  /** Kept in the ring only, not in the MAC'd record: the database holds the chain itself. */
  readonly logHead: string;
}

export type { CheckpointWire };

/** Every field as text: what the record signs, and (with a readable time) the JSON form. */
function textFields(c: Checkpoint): Record<string, string> {
  return {
    seq: c.seq.toString(),
    moduleSerial: c.moduleSerial,
    meterId: c.meterId,
    type: c.type,
    amountMills: c.amountMills.toString(),
    arMills: c.arMills.toString(),
    drMills: c.drMills.toString(),
    packageVersion: c.packageVersion.toString(),
    atMs: String(c.atMs),
    fundedMills: c.fundedMills.toString(),
    printedMills: c.printedMills.toString(),
    refundedMills: c.refundedMills.toString(),
    logSeq: c.logSeq.toString(),
  };
}

export function encodeCheckpoint(c: Checkpoint): Buffer {
  return canonicalBytes(DOMAIN, textFields(c));
}

/** What checkpoints need of the crypto port. */
export type CheckpointCrypto = Pick<ModuleCrypto, 'macCheckpoint' | 'verifyCheckpoint'>;

export async function toWire(crypto: CheckpointCrypto, c: Checkpoint): Promise<CheckpointWire> {
  const record = encodeCheckpoint(c);
  return { record: record.toString('hex'), mac: (await crypto.macCheckpoint(record)).toString('hex') };
}

/** True when the wire record carries a good MAC under the domain checkpoint key. */
export async function wireIsAuthentic(crypto: CheckpointCrypto, w: CheckpointWire): Promise<boolean> {
  // The wire comes from the database via the server: a wrong shape is "not authentic", never a crash.
  if (typeof w !== 'object' || w === null || typeof w.record !== 'string' || typeof w.mac !== 'string') return false;
  if (!/^([0-9a-f]{2})+$/.test(w.record) || !/^[0-9a-f]{64}$/.test(w.mac)) return false;
  return crypto.verifyCheckpoint(Buffer.from(w.record, 'hex'), Buffer.from(w.mac, 'hex'));
}

/** A fresh ring's first entry; a module brought in from the vault may continue an existing log (`log`). */
export function genesis(moduleSerial: string, atMs: number, log: { seq: bigint; hash: string } = { seq: 0n, hash: GENESIS_HASH }): Checkpoint {
  return {
    seq: 0n,
    moduleSerial,
    meterId: '',
    type: 'genesis',
    amountMills: 0n,
    arMills: 0n,
    drMills: 0n,
    packageVersion: 0n,
    atMs,
    fundedMills: 0n,
    printedMills: 0n,
    refundedMills: 0n,
    logSeq: log.seq,
    logHead: log.hash,
  };
}

/** JSON form for the ring file and for audit records. */
export function checkpointToJson(c: Checkpoint): Record<string, string | number> {
  return { ...textFields(c), logHead: c.logHead, at: new Date(c.atMs).toISOString(), atMs: c.atMs };
}

export function checkpointFromJson(j: Record<string, string | number>): Checkpoint {
  return {
    seq: BigInt(j.seq!),
    moduleSerial: String(j.moduleSerial),
    meterId: String(j.meterId),
    type: String(j.type),
    amountMills: BigInt(j.amountMills!),
    arMills: BigInt(j.arMills!),
    drMills: BigInt(j.drMills!),
    packageVersion: BigInt(j.packageVersion!),
    atMs: Number(j.atMs),
    fundedMills: BigInt(j.fundedMills!),
    printedMills: BigInt(j.printedMills!),
    refundedMills: BigInt(j.refundedMills!),
    logSeq: BigInt(j.logSeq ?? 0),
    logHead: String(j.logHead ?? GENESIS_HASH),
  };
}

/** Decode an (already authenticated) record into a checkpoint; null when malformed. */
export function decodeCheckpointRecord(record: Buffer): Checkpoint | null {
  const f = decodeCanonical(DOMAIN, record);
  if (!f) return null;
  try {
    // The record does not carry the chain's hash (only the ring and the log itself do).
    return { ...checkpointFromJson(f), logHead: '' };
  } catch {
    return null;
  }
}
