import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { dataMatrixPng, decodeItem, encodeItem, encodeSignedBytes, signItemBytes, verifyItemSignature } from '../../../src/indicium/index.js';
import { itemDataArb, SAMPLE } from '../helpers/items.js';

const require = createRequire(import.meta.url);

beforeAll(async () => {
  // Offline: hand zxing the wasm from node_modules instead of letting it fetch from a CDN.
  const wasmBinary = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
  await prepareZXingModule({ overrides: { wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer }, fireImmediately: true });
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
      { numRuns: 15 },
    );
  });
});
