import { hkdfSync, scrypt, timingSafeEqual } from 'node:crypto';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly maxmem: number;
}

export function scryptKey(secret: string | Uint8Array, salt: Uint8Array, params: ScryptParams, keyLen = 32): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLen, params, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, keyLen = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info, 'utf8'), keyLen));
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
