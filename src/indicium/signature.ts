import { sign, verify, type KeyObject } from 'node:crypto';
import { SIGNATURE_BYTES } from './format.js';

/** ECDSA P-256 over SHA-256, as a fixed 64-byte r||s (compact in a barcode). */
export function signItemBytes(signedBytes: Uint8Array, privateKey: KeyObject): Buffer {
  return sign('sha256', signedBytes, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

export function verifyItemSignature(signedBytes: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  return verify('sha256', signedBytes, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

/** r||s to the DER SEQUENCE { INTEGER r, INTEGER s } that openssl and most tools expect. */
export function rawSignatureToDer(raw: Uint8Array): Buffer {
  if (raw.length !== SIGNATURE_BYTES) throw new Error('signature must be 64 bytes');
  const integer = (half: Uint8Array) => {
    let i = 0;
    while (i < half.length - 1 && half[i] === 0) i++;
    let v = Buffer.from(half.subarray(i));
    if (v[0]! & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
