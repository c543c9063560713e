import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, isTestItemBytes, TEST_ITEM_FLAG, type ItemData } from '../../../src/indicium/index.js';
import { itemDataArb, SAMPLE, SAMPLE_TICKET } from '../helpers/items.js';

// Test mode: a sandbox meter's item carries the test flag in the high bit of its format version
// byte, inside the signed bytes.

const FAKE_SIGNATURE = Buffer.alloc(64, 1);

describe('test items', () => {
  it('sets the high bit of the version byte, and only that, for a test item', () => {
    const real = encodeSignedBytes(SAMPLE);
    const test = encodeSignedBytes({ ...SAMPLE, test: true });
    expect(test[2]).toBe(real[2]! | TEST_ITEM_FLAG);
    expect(Buffer.concat([test.subarray(0, 2), test.subarray(3)]).equals(Buffer.concat([real.subarray(0, 2), real.subarray(3)]))).toBe(true);
    // `test: false` is a real item: one encoding.
    expect(encodeSignedBytes({ ...SAMPLE, test: false }).equals(real)).toBe(true);
  });

  it('round-trips the flag for every kind and format, and reads it from the bytes alone', () => {
    fc.assert(
      fc.property(itemDataArb, fc.boolean(), (d, test) => {
        const data: ItemData = test ? { ...d, test: true } : d;
        const bytes = encodeItem(encodeSignedBytes(data), FAKE_SIGNATURE);
        const decoded = decodeItem(bytes).data;
        expect(decoded.test === true).toBe(test);
        expect(isTestItemBytes(bytes)).toBe(test);
        expect(decoded).toEqual(data);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the version checks on the low bits: an unknown version with the flag is still refused', () => {
    const bytes = encodeItem(encodeSignedBytes({ ...SAMPLE_TICKET, test: true }), FAKE_SIGNATURE);
    bytes[2] = TEST_ITEM_FLAG | 9;
    expect(() => decodeItem(bytes)).toThrow(/unsupported item format version 9/);
  });

  it('does not take other bytes for a test item', () => {
    expect(isTestItemBytes(Buffer.from([0x56, 0x4d]))).toBe(false);
    expect(isTestItemBytes(Buffer.from([0x00, 0x4d, 0x81, 0]))).toBe(false);
  });
});
