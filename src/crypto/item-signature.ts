import { createHash, sign, verify, type KeyObject } from 'node:crypto';

/** An ECDSA P-256 signature as raw r||s: 32 bytes each. */
export const P256_RAW_SIGNATURE_BYTES = 64;

/** A stable public id for an item: the first 16 bytes of SHA-256 over its signed bytes, in hex. */
export function itemIdOf(signedBytes: Uint8Array): string {
  return createHash('sha256').update(signedBytes).digest().subarray(0, 16).toString('hex');
}

/** ECDSA P-256 over SHA-256, as a fixed 64-byte r||s (compact in a barcode). */
export function signItemBytes(signedBytes: Uint8Array, privateKey: KeyObject): Buffer {
  return sign('sha256', signedBytes, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

export function verifyItemSignature(signedBytes: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== P256_RAW_SIGNATURE_BYTES) return false;
  return verify('sha256', signedBytes, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}
