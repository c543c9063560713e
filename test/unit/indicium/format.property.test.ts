import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, itemIdOf } from '../../../src/indicium/index.js';
import { itemDataArb } from '../helpers/items.js';

describe('item encoding properties', () => {
  it('decodeItem(encodeItem(encodeSignedBytes(d), sig)) gives back d, the signed bytes and sig', () => {
    fc.assert(
      fc.property(itemDataArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), (data, sig) => {
        const signed = encodeSignedBytes(data);
        const d = decodeItem(encodeItem(signed, Buffer.from(sig)));
        expect(d.data).toEqual(data);
        expect(d.signedBytes).toEqual(signed);
        expect(d.signature).toEqual(Buffer.from(sig));
      }),
      { numRuns: 500 },
    );
  });

  it('is injective: different elements give different signed bytes and item ids', () => {
    fc.assert(
      fc.property(itemDataArb, itemDataArb, (a, b) => {
        fc.pre(JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
        expect(encodeSignedBytes(a).equals(encodeSignedBytes(b))).toBe(false);
        expect(itemIdOf(encodeSignedBytes(a))).not.toBe(itemIdOf(encodeSignedBytes(b)));
      }),
    );
  });

  it('has a length of 75 + postage body, the body being 5 + 1 + dest + 1 + rate + 2', () => {
    fc.assert(
      fc.property(itemDataArb, (data) => {
        const p = data.postage;
        expect(encodeSignedBytes(data)).toHaveLength(75 + 5 + 1 + p.destination.length + 1 + p.rateCategory.length + 2);
      }),
    );
  });
});
