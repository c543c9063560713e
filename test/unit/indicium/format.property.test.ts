import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, ITEM_KINDS } from '../../../src/indicium/index.js';
import { itemIdOf } from '../../../src/crypto/index.js';
import { documentedBodyLength, itemArbOf, itemDataArb, KINDS, postageItemArb } from '../helpers/items.js';

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

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

  it.each(KINDS)('round-trips every %s item, with its kind code in byte 3', (kind) => {
    fc.assert(
      fc.property(itemArbOf(kind), fc.uint8Array({ minLength: 64, maxLength: 64 }), (data, sig) => {
        const signed = encodeSignedBytes(data);
        expect(signed[3]).toBe(ITEM_KINDS[kind]);
        const d = decodeItem(encodeItem(signed, Buffer.from(sig)));
        expect(d.data).toEqual(data);
        expect(d.data.kind).toBe(kind);
        expect(d.signedBytes).toEqual(signed);
      }),
      { numRuns: 300 },
    );
  });

  it('is injective: different elements give different signed bytes and item ids', () => {
    fc.assert(
      fc.property(itemDataArb, itemDataArb, (a, b) => {
        fc.pre(json(a) !== json(b));
        expect(encodeSignedBytes(a).equals(encodeSignedBytes(b))).toBe(false);
        expect(itemIdOf(encodeSignedBytes(a))).not.toBe(itemIdOf(encodeSignedBytes(b)));
      }),
    );
  });

  it('is injective across coupon and voucher: the same offer under the two kinds signs different bytes', () => {
    fc.assert(
      fc.property(itemArbOf('coupon'), (coupon) => {
        const voucher = { ...coupon, kind: 'voucher' as const };
        expect(encodeSignedBytes(coupon).equals(encodeSignedBytes(voucher))).toBe(false);
        expect(decodeItem(encodeItem(encodeSignedBytes(voucher), Buffer.alloc(64))).data).toEqual(voucher);
      }),
    );
  });

  it('has a length of 75 + postage body, the body being 5 + 1 + dest + 1 + rate + 2', () => {
    fc.assert(
      fc.property(postageItemArb, (data) => {
        const p = data.postage;
        expect(encodeSignedBytes(data)).toHaveLength(75 + 5 + 1 + p.destination.length + 1 + p.rateCategory.length + 2);
      }),
    );
  });

  it('has a length of 75 + the documented body length for every kind, with that length at offset 73', () => {
    fc.assert(
      fc.property(itemDataArb, (data) => {
        const signed = encodeSignedBytes(data);
        expect(signed).toHaveLength(75 + documentedBodyLength(data));
        expect(signed.readUInt16BE(73)).toBe(documentedBodyLength(data));
      }),
    );
  });
});
