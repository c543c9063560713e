import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, ItemFormatError, RATED_FORMAT_VERSION, type ItemData } from '../../../src/indicium/index.js';
import { SAMPLE } from '../helpers/items.js';

// Format 2: postage the module priced carries the rate table in force and the zone after the
// format-1 elements. Format 1 items, signed before tables were installed, decode as before.

const SIG = Buffer.alloc(64, 0x5a);
if (SAMPLE.kind !== 'postage') throw new Error('SAMPLE is a postage item');
const RATED: ItemData = { ...SAMPLE, postage: { ...SAMPLE.postage, rated: { rateTable: 'USPS-2026-07-12', zone: 8 } } };

describe('item format 2 (rated postage)', () => {
  const signed = encodeSignedBytes(RATED);

  it('has version 2, and the table id and zone after the weight', () => {
    expect(signed[2]).toBe(RATED_FORMAT_VERSION);
    const v1 = encodeSignedBytes(SAMPLE);
    expect(v1[2]).toBe(1);
    const tail = signed.subarray(v1.length);
    expect(tail.toString('hex')).toBe(Buffer.concat([Buffer.from([15]), Buffer.from('USPS-2026-07-12'), Buffer.from([8])]).toString('hex'));
    expect(signed.readUInt16BE(73)).toBe(signed.length - 75);
  });

  it('decodes back to the same elements, and a format-1 item still decodes without them', () => {
    const back = decodeItem(encodeItem(signed, SIG));
    expect(back.data).toEqual(RATED);
    const old = decodeItem(encodeItem(encodeSignedBytes(SAMPLE), SIG));
    expect(old.data.kind === 'postage' && old.data.postage.rated).toBeUndefined();
  });

  it.each([
    ['a lower-case table id', { rateTable: 'usps', zone: 1 }],
    ['zone 10', { rateTable: 'USPS-2026-07-12', zone: 10 }],
    ['an empty table id', { rateTable: '', zone: 1 }],
  ])('refuses %s', (_what, rated) => {
    expect(() => encodeSignedBytes({ ...RATED, postage: { ...SAMPLE.postage, rated } } as ItemData)).toThrow(ItemFormatError);
  });

  it('refuses format 2 for any kind but postage, and trailing bytes after the zone', () => {
    const gift = encodeSignedBytes({ ...SAMPLE, kind: 'gift', gift: { expiry: '2026-04-01' } } as unknown as ItemData);
    const asV2 = Buffer.from(gift);
    asV2[2] = 2;
    expect(() => decodeItem(encodeItem(asV2, SIG))).toThrow(/rated postage only/);
    const longer = Buffer.concat([signed, Buffer.from([0])]);
    longer.writeUInt16BE(longer.length - 75, 73);
    expect(() => decodeItem(encodeItem(longer, SIG))).toThrow(ItemFormatError);
  });
});
