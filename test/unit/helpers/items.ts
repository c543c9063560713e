import fc from 'fast-check';
import type { ItemData, PostageElements } from '../../../src/indicium/index.js';

export const SAMPLE: ItemData = {
  kind: 'postage',
  certSerialHex: '1a2b3c4d5e6f708192a3b4c5d6e7f801',
  meterId: '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f',
  itemSerial: 42n,
  arAfterMills: 12_345n,
  valueMills: 730n,
  date: '2026-03-14',
  softwareId: 'VM000100',
  postage: { originZip: '20260', destination: '100011234', rateCategory: 'FCM-LTR', weightTenthOz: 10 },
};

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const hexBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

export const postageArb: fc.Arbitrary<PostageElements> = fc.record({
  originZip: digits(5),
  destination: fc.oneof(digits(5), digits(9), digits(11)),
  rateCategory: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'), minLength: 1, maxLength: 16 }),
  weightTenthOz: fc.integer({ min: 1, max: 0xffff }),
});

export const dateArb = fc
  .date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

export const itemDataArb: fc.Arbitrary<ItemData> = fc.record({
  kind: fc.constant('postage' as const),
  certSerialHex: hexBytes(16),
  meterId: hexBytes(16).map((h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`),
  itemSerial: u64,
  arAfterMills: u64,
  valueMills: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
  date: dateArb,
  softwareId: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 8, maxLength: 8 }),
  postage: postageArb,
});
