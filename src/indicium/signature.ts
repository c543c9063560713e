import { SIGNATURE_BYTES } from './format.js';

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
