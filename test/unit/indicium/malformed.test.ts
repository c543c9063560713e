import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, ItemFormatError, type ItemData, type PostageElements } from '../../../src/indicium/index.js';
import { itemDataArb, SAMPLE } from '../helpers/items.js';

const SIG = Buffer.alloc(64, 0x5a);
const ITEM = encodeItem(encodeSignedBytes(SAMPLE), SIG);
// Offsets from docs/ITEM-FORMAT.md.
const BODY = 75;

function edit(at: number, bytes: number[] | Buffer, base: Buffer = ITEM): Buffer {
  const b = Buffer.from(base);
  Buffer.from(bytes).copy(b, at);
  return b;
}

function expectFormatError(fn: () => unknown, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ItemFormatError);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  expect.unreachable('expected an ItemFormatError');
}

describe('encodeSignedBytes refuses invalid elements', () => {
  const cases: [string, Partial<ItemData> | { postage: Partial<PostageElements> }][] = [
    // A ticket header over postage elements: the ticket's own elements are missing.
    ['kind ticket', { kind: 'ticket' }],
    ['kind coupon', { kind: 'coupon' }],
    ['kind voucher', { kind: 'voucher' }],
    ['kind gift', { kind: 'gift' }],
    ['kind unknown', { kind: 'parcel' as ItemData['kind'] }],
    ['short cert serial', { certSerialHex: 'abcd' }],
    ['uppercase cert serial', { certSerialHex: SAMPLE.certSerialHex.toUpperCase() }],
    ['meter id not a UUID', { meterId: 'meter-1' }],
    ['uppercase meter id', { meterId: SAMPLE.meterId.toUpperCase() }],
    ['negative serial', { itemSerial: -1n }],
    ['negative ar', { arAfterMills: -1n }],
    ['zero value', { valueMills: 0n }],
    ['serial beyond u64', { itemSerial: 2n ** 64n }],
    ['value beyond u64', { valueMills: 2n ** 64n }],
    ['date format', { date: '2026-3-14' }],
    ['date not in calendar', { date: '2026-02-30' }],
    ['date month 13', { date: '2026-13-01' }],
    ['software id short', { softwareId: 'VM1' }],
    ['software id long', { softwareId: 'VM0001000' }],
    ['software id non-ASCII', { softwareId: 'VM00010é' }],
    ['software id control char', { softwareId: 'VM00010\n' }],
    ['origin ZIP 4 digits', { postage: { originZip: '2026' } }],
    ['origin ZIP letters', { postage: { originZip: '2026A' } }],
    ['destination 6 digits', { postage: { destination: '100011' } }],
    ['destination 10 digits', { postage: { destination: '1000112345' } }],
    ['destination with dash', { postage: { destination: '10001-1234' } }],
    ['rate empty', { postage: { rateCategory: '' } }],
    ['rate lowercase', { postage: { rateCategory: 'fcm' } }],
    ['rate 17 chars', { postage: { rateCategory: 'A'.repeat(17) } }],
    ['weight zero', { postage: { weightTenthOz: 0 } }],
    ['weight fractional', { postage: { weightTenthOz: 1.5 } }],
    ['weight beyond u16', { postage: { weightTenthOz: 0x10000 } }],
    ['weight NaN', { postage: { weightTenthOz: Number.NaN } }],
  ];
  it.each(cases)('%s', (_name, change) => {
    const data = { ...SAMPLE, ...change, postage: { ...SAMPLE.postage, ...('postage' in change ? change.postage : {}) } } as ItemData;
    expect(() => encodeSignedBytes(data)).toThrow(ItemFormatError);
  });

  it('encodeItem refuses a signature that is not 64 bytes', () => {
    const signed = encodeSignedBytes(SAMPLE);
    expect(() => encodeItem(signed, Buffer.alloc(63))).toThrow(ItemFormatError);
    expect(() => encodeItem(signed, Buffer.alloc(72))).toThrow(ItemFormatError);
  });
});

describe('decodeItem refuses malformed bytes with ItemFormatError', () => {
  it.each<[string, Buffer, RegExp?]>([
    ['empty', Buffer.alloc(0), /too short/],
    ['header only', ITEM.subarray(0, BODY), /too short/],
    ['one byte short', ITEM.subarray(0, ITEM.length - 1)],
    ['one byte long', Buffer.concat([ITEM, Buffer.from([0])]), /length/],
    ['bad magic', edit(0, Buffer.from('XM')), /magic/],
    // Format 2 is rated postage: a format-1 body read as format 2 lacks the rate table.
    ['version 2 with a format-1 body', edit(2, [2]), /truncated/],
    ['version 3', edit(2, [3]), /version/],
    ['version 0', edit(2, [0]), /version/],
    ['kind 0', edit(3, [0]), /kind/],
    // Kinds 2-5 are defined now: a postage body under their header is malformed elements of that kind.
    ['kind ticket over a postage body', edit(3, [2]), /ticket elements/],
    ['kind coupon over a postage body', edit(3, [3]), /coupon elements/],
    ['kind voucher over a postage body', edit(3, [4]), /voucher elements/],
    ['kind gift over a postage body', edit(3, [5])],
    ['kind 6', edit(3, [6]), /kind/],
    ['kind 255', edit(3, [255]), /kind/],
    ['algorithm 2', edit(4, [2]), /algorithm/],
    ['body length too big', edit(73, [0x00, 0x30]), /length/],
    ['body length too small', edit(73, [0x00, 0x10]), /length/],
    ['body length huge', edit(73, [0xff, 0xff]), /length/],
    ['date 0', edit(61, [0, 0, 0, 0])],
    ['date 2026-02-30', edit(61, Buffer.from((20260230).toString(16).padStart(8, '0'), 'hex'))],
    ['date 2026-13-01', edit(61, Buffer.from((20261301).toString(16).padStart(8, '0'), 'hex'))],
    ['date with nine digits', edit(61, [0xff, 0xff, 0xff, 0xff])],
    ['zero value', edit(53, Buffer.alloc(8))],
    ['software id control char', edit(65, [0x07])],
    ['software id high-bit byte', edit(65, [0xd6])], // would read as "V" if the high bit were dropped
    ['origin ZIP letter', edit(BODY, Buffer.from('A'))],
    ['origin ZIP high-bit digit', edit(BODY, [0xb2])], // 0xB2 & 0x7F = "2"
    ['destination length 6', edit(BODY + 5, [6])],
    ['destination length 0', edit(BODY + 5, [0])],
    ['destination high-bit digit', edit(BODY + 6, [0xb1])],
    ['rate lowercase', edit(BODY + 16, Buffer.from('f'))],
    ['rate high-bit letter', edit(BODY + 16, [0xc6])], // 0xC6 & 0x7F = "F"
    ['rate length past the body', edit(BODY + 15, [40])],
    ['weight zero', edit(BODY + 23, [0, 0])],
  ])('%s', (_name, bytes, message) => {
    expectFormatError(() => decodeItem(bytes), message);
  });

  it('names the wrong magic for random non-items', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        expectFormatError(() => decodeItem(bytes));
      }),
    );
  });

  it('either refuses a mutated item, or decodes it to elements that re-encode to the same signed bytes', () => {
    // No two byte strings decode to the same elements: what was signed is exactly what is shown.
    fc.assert(
      fc.property(
        itemDataArb,
        fc.array(fc.record({ at: fc.nat(200), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 }),
        (data, edits) => {
          const item = encodeItem(encodeSignedBytes(data), SIG);
          for (const e of edits) if (e.at < item.length) item[e.at] = e.value;
          let decoded;
          try {
            decoded = decodeItem(item);
          } catch (err) {
            expect(err).toBeInstanceOf(ItemFormatError);
            return;
          }
          expect(encodeSignedBytes(decoded.data)).toEqual(decoded.signedBytes);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses every truncation of a valid item', () => {
    for (let n = 0; n < ITEM.length; n++) expectFormatError(() => decodeItem(ITEM.subarray(0, n)));
  });
});
