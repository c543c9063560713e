import { generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, rawSignatureToDer } from '../../../src/indicium/index.js';
import { signItemBytes, verifyItemSignature } from '../../../src/crypto/index.js';
import { SAMPLE } from '../helpers/items.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signed = encodeSignedBytes(SAMPLE);

describe('item signatures', () => {
  it('are 64 raw bytes that verify with the signing key', () => {
    const sig = signItemBytes(signed, privateKey);
    expect(sig).toHaveLength(64);
    expect(verifyItemSignature(signed, sig, publicKey)).toBe(true);
    const item = decodeItem(encodeItem(signed, sig));
    expect(verifyItemSignature(item.signedBytes, item.signature, publicKey)).toBe(true);
  });

  it('do not verify with another key', () => {
    expect(verifyItemSignature(signed, signItemBytes(signed, privateKey), other.publicKey)).toBe(false);
  });

  it('do not verify when any signed byte or any signature bit changes', () => {
    const sig = signItemBytes(signed, privateKey);
    for (let i = 0; i < signed.length; i++) {
      const t = Buffer.from(signed);
      t[i]! ^= 0x01;
      expect(verifyItemSignature(t, sig, publicKey)).toBe(false);
    }
    for (let bit = 0; bit < 512; bit += 7) {
      const s = Buffer.from(sig);
      s[bit >> 3]! ^= 1 << (bit & 7);
      expect(verifyItemSignature(signed, s, publicKey)).toBe(false);
    }
  });

  it('refuse signatures of the wrong length, or all zeros, without throwing', () => {
    const sig = signItemBytes(signed, privateKey);
    expect(verifyItemSignature(signed, sig.subarray(0, 63), publicKey)).toBe(false);
    expect(verifyItemSignature(signed, Buffer.concat([sig, Buffer.from([0])]), publicKey)).toBe(false);
    expect(verifyItemSignature(signed, rawSignatureToDer(sig), publicKey)).toBe(false);
    expect(verifyItemSignature(signed, Buffer.alloc(64), publicKey)).toBe(false);
    expect(verifyItemSignature(signed, Buffer.alloc(64, 0xff), publicKey)).toBe(false);
  });
});

describe('rawSignatureToDer', () => {
  it('produces DER that node accepts with dsaEncoding der', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (msg) => {
        const raw = signItemBytes(msg, privateKey);
        const der = rawSignatureToDer(raw);
        expect(verify('sha256', msg, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
        // And the default for EC keys is DER too.
        expect(verify('sha256', msg, publicKey, der)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes minimal INTEGERs: strips leading zeros and adds one before a high bit', () => {
    const raw = Buffer.alloc(64);
    raw[31] = 0x01; // r = 1
    raw[32] = 0x80; // s has its top bit set
    const der = rawSignatureToDer(raw);
    expect(der.subarray(0, 5).toString('hex')).toBe('3026' + '020101');
    expect(der.subarray(5, 9).toString('hex')).toBe('02210080');
    expect(der).toHaveLength(2 + 3 + 2 + 33);
  });

  it('encodes zero as a single zero byte', () => {
    expect(rawSignatureToDer(Buffer.alloc(64)).toString('hex')).toBe('3006020100020100');
  });

  it('is a DER SEQUENCE with exact lengths for any r||s', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (raw) => {
        const der = rawSignatureToDer(raw);
        expect(der[0]).toBe(0x30);
        expect(der[1]).toBe(der.length - 2);
        const rLen = der[3]!;
        const r = der.subarray(4, 4 + rLen);
        const s = der.subarray(6 + rLen);
        expect(der[2]).toBe(0x02);
        expect(der[4 + rLen]).toBe(0x02);
        expect(der[5 + rLen]).toBe(s.length);
        for (const [int, half] of [
          [r, raw.subarray(0, 32)],
          [s, raw.subarray(32)],
        ] as const) {
          expect(int[0]! & 0x80).toBe(0);
          if (int.length > 1) expect(int[0] === 0 && (int[1]! & 0x80) === 0).toBe(false);
          expect(BigInt('0x' + (Buffer.from(int).toString('hex') || '0'))).toBe(BigInt('0x' + Buffer.from(half).toString('hex')));
        }
      }),
    );
  });

  it('refuses input that is not 64 bytes', () => {
    expect(() => rawSignatureToDer(Buffer.alloc(63))).toThrow();
    expect(() => rawSignatureToDer(Buffer.alloc(65))).toThrow();
  });
});
