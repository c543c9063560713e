import { MAX_SHIP_KEY_LENGTH } from '../constants.js';
// Off-site ship targets for the transaction log: where shipped segments and backups are kept.
// A target is a flat key → bytes store with S3's semantics (keys are '/'-separated relative paths,
// `list` is a plain string-prefix match, sorted ascending), so a directory and a bucket behave alike.

export interface ShipTarget {
  /** Where the target points, for logs and reports, e.g. "dir:/backup/log" or "s3://bucket/prefix". Never holds a secret. */
  readonly name: string;
  /** Store `bytes` under `key` (a relative path like "logs/<logId>/00000000000000000001-00000000000000000500.seg"), durably; overwriting an existing key with the same bytes must be safe (idempotent). */
  put(key: string, bytes: Buffer): Promise<void>;
  /** Bytes of `key`, or null when absent. */
  get(key: string): Promise<Buffer | null>;
  /** Every key under `prefix`, sorted ascending, bounded by a limit from constants. */
  list(prefix: string): Promise<string[]>;
  /** Remove `key` (backup retention only; log segments are never deleted). Absent keys are fine. */
  delete(key: string): Promise<void>;
}

/** A refused spec, key or object, or a target that failed to store or read. */
export class ShipTargetError extends Error {
  override readonly name = 'ShipTargetError';
}

/** Characters allowed in one '/'-separated part of a key: portable file names that S3 needs no encoding for. */
const KEY_PART = /^[A-Za-z0-9._~=+@,-]+$/;
/** The temporary files the directory target writes before renaming (see writeFileAtomic). */
export const TEMP_FILE = /\.[0-9a-f]{12}\.tmp$/;

export function show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

function checkPath(what: 'key' | 'prefix', text: string, partialLast: boolean): void {
  if (text.includes('\\')) throw new ShipTargetError(`ship target ${what} ${show(text)} contains a backslash`);
  if (text.startsWith('/')) throw new ShipTargetError(`ship target ${what} ${show(text)} is absolute; give a relative path`);
  if (text.includes('..')) throw new ShipTargetError(`ship target ${what} ${show(text)} contains ".." (path traversal is refused)`);
  if (text.length > MAX_SHIP_KEY_LENGTH) throw new ShipTargetError(`ship target ${what} is longer than ${MAX_SHIP_KEY_LENGTH} characters`);
  const parts = text.split('/');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '') {
      if (partialLast && last) return;
      throw new ShipTargetError(`ship target ${what} ${show(text)} has an empty path part ("//" or a trailing "/")`);
    }
    if (part === '.') throw new ShipTargetError(`ship target ${what} ${show(text)} has a "." path part`);
    if (!KEY_PART.test(part)) throw new ShipTargetError(`ship target ${what} ${show(text)} may hold only letters, digits, "/" and ._~=+@,-`);
  });
}

/** Refuse a key that is empty, too long, absolute, holds "..", a backslash or an unusual character; return it unchanged. */
export function checkShipKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw new ShipTargetError('ship target key must be a non-empty string');
  checkPath('key', key, false);
  if (TEMP_FILE.test(key)) throw new ShipTargetError(`ship target key ${show(key)} ends like a temporary file (.<12 hex>.tmp), which is reserved`);
  return key;
}

/** Refuse a list prefix by the key rules, except that it may be empty, end in "/", or stop part-way through a name. */
export function checkShipPrefix(prefix: string): string {
  if (typeof prefix !== 'string') throw new ShipTargetError('ship target prefix must be a string');
  if (prefix !== '') checkPath('prefix', prefix, true);
  return prefix;
}

/** Refuse anything but a Buffer no larger than `max`. */
export function checkShipBytes(key: string, bytes: Buffer, max: number): void {
  if (!Buffer.isBuffer(bytes)) throw new ShipTargetError(`ship target put of ${show(key)}: bytes must be a Buffer`);
  if (bytes.length > max) throw new ShipTargetError(`ship target put of ${show(key)}: ${bytes.length} bytes is more than the limit of ${max}`);
}

/** Sort keys ascending by code unit, which for the allowed ASCII keys is S3's UTF-8 byte order. */
export function sortKeys(keys: string[]): string[] {
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
