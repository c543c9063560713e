import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { dataMatrixPng, decodeItem, encodeItem, encodeSignedBytes } from '../../../src/indicium/index.js';
import { signItemBytes, verifyItemSignature } from '../../../src/crypto/index.js';
import { itemDataArb, SAMPLE } from '../helpers/items.js';

const require = createRequire(import.meta.url);

beforeAll(async () => {
  // Offline: hand zxing the wasm from node_modules instead of letting it fetch from a CDN.
  const wasmBinary = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
  await prepareZXingModule({
    overrides: { wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer },
    fireImmediately: true,
  });
});

async function scan(png: Buffer): Promise<Buffer> {
  const results = await readBarcodes(new Uint8Array(png), { formats: ['DataMatrix'], tryHarder: true });
  expect(results).toHaveLength(1);
  expect(results[0]!.isValid).toBe(true);
  expect(results[0]!.format).toBe('DataMatrix');
  return Buffer.from(results[0]!.bytes);
}

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('Data Matrix barcode', () => {
  it('is a PNG', async () => {
    const png = await dataMatrixPng(Buffer.from('hello'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('scans back to the exact bytes of a signed item, which still verifies', async () => {
    const signed = encodeSignedBytes(SAMPLE);
    const item = encodeItem(signed, signItemBytes(signed, privateKey));
    const bytes = await scan(await dataMatrixPng(item));
    expect(bytes).toEqual(item);
    const d = decodeItem(bytes);
    expect(d.data).toEqual(SAMPLE);
    expect(verifyItemSignature(d.signedBytes, d.signature, publicKey)).toBe(true);
  });

  it('carries every byte value 0..255 unchanged', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(await scan(await dataMatrixPng(all))).toEqual(all);
  });

  it('round-trips random items at several scales', async () => {
    await fc.assert(
      fc.asyncProperty(itemDataArb, fc.integer({ min: 2, max: 5 }), async (data, scale) => {
        const signed = encodeSignedBytes(data);
        const item = encodeItem(signed, signItemBytes(signed, privateKey));
        expect(await scan(await dataMatrixPng(item, scale))).toEqual(item);
      }),
      { numRuns: 40 },
    );
  });
});

describe('Data Matrix barcode, inputs that broke automatic encodation', () => {
  // bwip-js 4.11's automatic encodation threw "datamatrixTooMuchData" on these real item layouts.
  it.each([
    '564d010101805e0601d72c03f62bbbbc204dcb337227fd010476180405b10cff6bd43b06f8fd98d76ecdb2276d000000000000000ec796438b0d12751f02fd3d93257c244e224129200017363936363605353932383909544d393736593645306c42f206d23201042a00042000a0070cff8103fba65ed8a8100c3adb5a07f2d2c19504aaffdf8afab91b0181fe0006dbea1a6a86020756a9fdffb525ff07a2047804',
    '564d01010107dc7e8538a603f1164f0205faa86d073e8c03a2fb0006defe6ffdfa9923db8a0000000000000014de3242c705b1ce783a84baac32e8f3cd021a0ac33b2d7a6f45207724001d32303435320b3139323837323535333736095830375a57305847526052b2e389060734da0346fa72fd0306fd551d7c5ffcf95edef916fbc136ff4d04ea27a9c56f132a079cfb54071e077348de06713f3094c815008dab1a33aeb38d82',
  ])('%s', async (hex) => {
    const item = Buffer.from(hex, 'hex');
    expect(await scan(await dataMatrixPng(item))).toEqual(item);
  });

  it.each([1, 249, 250, 251, 600])('carries %i random bytes (one- and two-byte Base 256 lengths)', async (n) => {
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff));
    expect(await scan(await dataMatrixPng(bytes, 3))).toEqual(bytes);
  });
});
