import { fail } from '../errors.js';
import { open, seal } from './aead.js';

// A versioned envelope: `keyVersion (u8) | iv (12) | tag (16) | ciphertext`, AES-256-GCM. The
// version byte names the key that sealed it and is bound into the associated data, so a key can
// rotate (new data under the newest version) while data sealed under an older version still opens.

export const MAX_KEY_VERSION = 255;

/** Versions of one named key: `current` seals, every version present opens. */
export interface KeyVersions {
  readonly current: number;
  readonly keys: ReadonlyMap<number, Buffer>;
}

export function keyVersions(keys: ReadonlyMap<number, Buffer>, current = Math.max(...keys.keys())): KeyVersions {
  for (const [v, k] of keys) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_KEY_VERSION) throw new Error(`key version ${v} is not 1 to ${MAX_KEY_VERSION}`);
    if (k.length !== 32) throw new Error(`key version ${v} is not 32 bytes`);
  }
  if (!keys.has(current)) throw new Error(`the current key version ${current} is missing`);
  return { current, keys };
}

/** The same versions with each key replaced by `derive(key)` (a per-purpose subkey). */
export function deriveVersions(kv: KeyVersions, derive: (key: Buffer) => Buffer): KeyVersions {
  return { current: kv.current, keys: new Map([...kv.keys].map(([v, k]) => [v, derive(k)])) };
}

function versionedAad(version: number, aad: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(version), aad]);
}

export function sealEnvelope(kv: KeyVersions, plaintext: Uint8Array, aad: Uint8Array, iv?: Uint8Array): Buffer {
  const v = kv.current;
  return Buffer.concat([Buffer.of(v), seal(kv.keys.get(v)!, plaintext, versionedAad(v, aad), iv)]);
}

/** The key version an envelope names, or null for an empty one. */
export function envelopeVersion(box: Uint8Array): number | null {
  return box.length > 0 ? box[0]! : null;
}

/**
 * The plaintext, or null when the envelope fails authentication. An envelope naming a version this
 * keystore does not hold is refused with `key_version_unknown`: not tampering, a missing key.
 */
export function openEnvelope(kv: KeyVersions, box: Uint8Array, aad: Uint8Array): Buffer | null {
  const v = envelopeVersion(box);
  if (v === null) return null;
  const key = kv.keys.get(v);
  if (!key) fail('key_version_unknown', `sealed under key version ${v}, which this module does not hold`);
  return open(key, box.subarray(1), versionedAad(v, aad));
}
