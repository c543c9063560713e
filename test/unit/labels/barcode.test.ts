import { Resvg } from '@resvg/resvg-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  barcodePng,
  barcodeSvg,
  dataMatrixPng,
  defaultPdf417Columns,
  pdf417ByteCodewords,
  pdf417Geometry,
  pdf417Png,
  type Symbology,
} from '../../../src/indicium/barcode.js';
import { decodeBarcodes } from '../../../src/cli/barcode-reader.js';
import { PAYLOADS, dmtxread, has, randomPayload, realItem } from './fixtures.js';

const SYMBOLOGIES: Symbology[] = ['datamatrix', 'pdf417'];
const item = realItem().itemBytes;

describe('barcode PNGs carry the exact bytes', () => {
  it.each(SYMBOLOGIES)('%s: a real signed item', async (symbology) => {
    expect(await decodeBarcodes(await barcodePng(item, symbology))).toEqual([item]);
  });

  it.each(PAYLOADS.flatMap(([name, bytes]) => SYMBOLOGIES.map((s) => [name, s, bytes] as const)))('%s as %s', async (_, symbology, bytes) => {
    expect(await decodeBarcodes(await barcodePng(bytes, symbology, symbology === 'pdf417' ? 2 : 3))).toEqual([bytes]);
  });

  it.each([1, 2, 5, 6, 7, 11, 12, 13, 249, 250, 251])('PDF417 with %i bytes (Byte Compaction 901/924 boundaries)', async (n) => {
    const bytes = randomPayload(n, n + 7);
    expect(await decodeBarcodes(await pdf417Png(bytes))).toEqual([bytes]);
  });

  it('dataMatrixPng and pdf417Png are the symbology-specific forms of barcodePng', async () => {
    expect((await dataMatrixPng(item)).equals(await barcodePng(item, 'datamatrix'))).toBe(true);
    expect((await pdf417Png(item, 3)).equals(await barcodePng(item, 'pdf417', 3))).toBe(true);
  });

  it.runIf(has('dmtxread'))('Data Matrix PNGs also decode with libdmtx (dmtxread)', async () => {
    for (const bytes of [item, ...PAYLOADS.map(([, b]) => b)]) expect(await dmtxread(await dataMatrixPng(bytes, 3))).toEqual(bytes);
  });
});

describe('encoding arbitrary bytes never fails', () => {
  // bwip-js's automatic encodation failed on ~1 item in 1,500 (Data Matrix); both symbologies now take
  // codewords we compute (Base 256, Byte Compaction), so any bytes up to the largest item encode.
  it('for 300 random byte strings of 1 to 700 bytes, in both symbologies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 700 }), (bytes) => {
        for (const s of SYMBOLOGIES) expect(barcodeSvg(bytes, s).path.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('and a sample of them decode back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 700 }), fc.constantFrom(...SYMBOLOGIES), async (bytes, s) => {
        expect(await decodeBarcodes(await barcodePng(bytes, s, 2))).toEqual([Buffer.from(bytes)]);
      }),
      { numRuns: 16 },
    );
  });
});

describe('PDF417 codewords and geometry', () => {
  it('uses Byte Compaction: latch 924 for whole groups of 6, else 901 with the rest one codeword per byte', () => {
    expect(pdf417ByteCodewords(Buffer.from([1, 2, 3]))).toEqual([901, 1, 2, 3]);
    // ISO/IEC 15438 5.4.3.2: 6 bytes as one 48-bit number, written in base 900.
    const six = Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]);
    let v = 0x010203040506n;
    const base900: number[] = [];
    for (let i = 0; i < 5; i++, v /= 900n) base900.unshift(Number(v % 900n));
    expect(pdf417ByteCodewords(six)).toEqual([924, ...base900]);
    expect(pdf417ByteCodewords(Buffer.concat([six, Buffer.from([9])]))).toEqual([901, ...base900, 9]);
  });

  it('pdf417Geometry predicts the symbol bwip-js draws', () => {
    for (const n of [1, 6, 7, 100, 175, 400, 700, 1000]) {
      for (const columns of [1, 2, 4, 9, 17, 30]) {
        const g = pdf417Geometry(n, columns);
        if (!g) continue;
        const v = barcodeSvg(Buffer.alloc(n, 0x42), 'pdf417', { columns });
        expect([v.modulesWide, v.modulesHigh]).toEqual([g.modulesWide, g.modulesHigh]);
      }
    }
    expect(pdf417Geometry(700, 1)).toBeUndefined(); // more than 90 rows
    expect(pdf417Geometry(1200, 30)).toBeUndefined(); // more than 928 codewords
    expect(defaultPdf417Columns(700)).toBeGreaterThan(1);
    expect(() => barcodeSvg(randomPayload(1200, 3), 'pdf417')).toThrow(/too many bytes/);
  });
});

describe('SVG for vector output', () => {
  it('is one path, in module units that match the symbol size', () => {
    const dm = barcodeSvg(item, 'datamatrix');
    expect(dm.svg).toMatch(/^<svg viewBox="0 0 \d+ \d+"/);
    expect(dm.path).toMatch(/^M[\d .LZM]+$/);
    expect(dm.modulesWide).toBe(dm.modulesHigh);
    expect([48, 52]).toContain(dm.modulesWide); // a 154 to 175 byte postage item
    const p = barcodeSvg(item, 'pdf417');
    expect(p.modulesHigh % 3).toBe(0);
    expect(p.unitsPerModule).toBe(1);
  });

  it('rasterizes (resvg) to a symbol that decodes', async () => {
    for (const s of SYMBOLOGIES) {
      const v = barcodeSvg(item, s);
      const scale = 4 / v.unitsPerModule;
      const w = (v.modulesWide + 8) * 4;
      const h = (v.modulesHigh + 8) * 4;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><path d="${v.path}" transform="translate(16 16) scale(${scale})"/></svg>`;
      const png = new Resvg(svg, { background: '#fff' }).render().asPng();
      expect(await decodeBarcodes(png)).toEqual([item]);
    }
  });
});

describe('decodeBarcodes', () => {
  it('finds nothing in an image without a barcode', async () => {
    const blank = new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"/>', { background: '#fff' }).render().asPng();
    expect(await decodeBarcodes(blank)).toEqual([]);
  });

  it('finds nothing in bytes that are not an image (zxing does not tell the two apart)', async () => {
    expect(await decodeBarcodes(Buffer.from('not an image'))).toEqual([]);
  });
});
