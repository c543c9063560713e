import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, ITEM_FORMAT_VERSION, SOFTWARE_ID } from '../../../src/indicium/index.js';
import { itemIdOf } from '../../../src/crypto/index.js';
import { SAMPLE } from '../helpers/items.js';

const SIG = Buffer.alloc(64, 0x5a);

describe('item v1 layout', () => {
  const signed = encodeSignedBytes(SAMPLE);

  it('has the documented header at fixed offsets', () => {
    expect(signed.subarray(0, 2).toString('ascii')).toBe('VM');
    expect(signed[2]).toBe(ITEM_FORMAT_VERSION);
    expect(signed[3]).toBe(1); // postage
    expect(signed[4]).toBe(1); // ECDSA P-256 SHA-256
    expect(signed.subarray(5, 21).toString('hex')).toBe(SAMPLE.certSerialHex);
    expect(signed.subarray(21, 37).toString('hex')).toBe(SAMPLE.meterId.replace(/-/g, ''));
    expect(signed.readBigUInt64BE(37)).toBe(42n);
    expect(signed.readBigUInt64BE(45)).toBe(12_345n);
    expect(signed.readBigUInt64BE(53)).toBe(730n);
    expect(signed.readUInt32BE(61)).toBe(20260314);
    expect(signed.subarray(65, 73).toString('ascii')).toBe('VM000100');
    expect(signed.readUInt16BE(73)).toBe(signed.length - 75);
  });

  it('encodes the postage elements after the 75-byte header', () => {
    const body = signed.subarray(75);
    expect(body.toString('hex')).toBe(
      Buffer.concat([
        Buffer.from('20260'),
        Buffer.from([9]),
        Buffer.from('100011234'),
        Buffer.from([7]),
        Buffer.from('FCM-LTR'),
        Buffer.from([0x00, 0x0a]),
      ]).toString('hex'),
    );
  });

  it('appends the 64-byte signature and decodes back', () => {
    const item = encodeItem(signed, SIG);
    expect(item).toHaveLength(signed.length + 64);
    const d = decodeItem(item);
    expect(d.data).toEqual(SAMPLE);
    expect(d.signedBytes).toEqual(signed);
    expect(d.signature).toEqual(SIG);
  });

  it('uses the current software id constant', () => {
    expect(SOFTWARE_ID).toMatch(/^[\x20-\x7e]{8}$/);
  });

  it('names an item by the first 16 bytes of SHA-256 of its signed bytes', () => {
    const id = itemIdOf(signed);
    expect(id).toBe(createHash('sha256').update(signed).digest('hex').slice(0, 32));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('accepts each destination form and the extreme field values', () => {
    for (const destination of ['10001', '100011234', '10001123456']) {
      const data = { ...SAMPLE, postage: { ...SAMPLE.postage, destination } };
      expect(decodeItem(encodeItem(encodeSignedBytes(data), SIG)).data).toEqual(data);
    }
    const max = 2n ** 64n - 1n;
    const extreme = {
      ...SAMPLE,
      itemSerial: max,
      arAfterMills: max,
      valueMills: max,
      date: '9999-12-31',
      softwareId: ' ~~~~~~ ',
      postage: { ...SAMPLE.postage, rateCategory: 'A'.repeat(16), weightTenthOz: 0xffff },
    };
    expect(decodeItem(encodeItem(encodeSignedBytes(extreme), SIG)).data).toEqual(extreme);
    const min = { ...SAMPLE, itemSerial: 0n, arAfterMills: 0n, valueMills: 1n, postage: { ...SAMPLE.postage, rateCategory: '-', weightTenthOz: 1 } };
    expect(decodeItem(encodeItem(encodeSignedBytes(min), SIG)).data).toEqual(min);
  });
});
