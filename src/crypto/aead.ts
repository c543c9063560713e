import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Sealed box layout: iv (12) | tag (16) | ciphertext. AES-256-GCM throughout.
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const AEAD_OVERHEAD_BYTES = IV_BYTES + TAG_BYTES;

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array = randomBytes(IV_BYTES)): Buffer {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Returns null when the box fails authentication (wrong key, wrong associated data, or tampered bytes). */
export function open(key: Uint8Array, box: Uint8Array, aad: Uint8Array): Buffer | null {
  if (key.length !== 32 || box.length < AEAD_OVERHEAD_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(box.subarray(IV_BYTES, AEAD_OVERHEAD_BYTES));
  try {
    return Buffer.concat([decipher.update(box.subarray(AEAD_OVERHEAD_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}
