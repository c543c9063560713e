import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { barcodeSvg } from '../../../src/indicium/barcode.js';
import { STOCKS, renderLabel, type LabelInput, type Stock, type Symbology } from '../../../src/indicium/labels/index.js';
import { layoutLabel } from '../../../src/indicium/labels/layout.js';
import { standaloneMetrics } from '../../../src/indicium/labels/text.js';
import { writeSvg } from '../../../src/indicium/labels/svg.js';
import { carrierItem, pdfToGray, randomPayload, realItem } from './fixtures.js';

const require = createRequire(import.meta.url);
const MARGIN_IN = 0.15;
const DPI = 100;

/** Text and barcodes pushed to their limits: the largest item and value, long lines in every field. */
const crowded: LabelInput = {
  ...realItem(),
  itemBytes: randomPayload(700, 77),
  valueMills: 2n ** 64n - 1n,
  originZip: '20260',
  title: 'W'.repeat(300),
  addressLines: Array.from({ length: 6 }, (_, i) => `${i} ${'M'.repeat(120)}`),
};

/** Dark pixels closer than MARGIN_IN to an edge of a gray image. */
function inkInMargin(gray: Uint8Array, width: number, height: number, channels: number): number {
  const m = Math.round(MARGIN_IN * DPI);
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x >= m && x < width - m && y >= m && y < height - m) continue;
      if (gray[(y * width + x) * channels]! < 128) n++;
    }
  }
  return n;
}

/**
 * The 4x6 label with its carrier parts crowded too: a long banner, 6 long return lines, a ZIP+4 IMpb.
 * The item is a real postage item (a rated one is about as large): the 700-byte bound is for any kind.
 */
const carrierCrowded: LabelInput = {
  ...crowded,
  itemBytes: realItem().itemBytes,
  title: undefined,
  serviceBanner: 'PRIORITY MAIL EXPRESS '.repeat(5),
  returnLines: Array.from({ length: 6 }, (_, i) => `${i} ${'W'.repeat(100)}`),
  impb: carrierItem().impb!,
};

const cases = (Object.keys(STOCKS) as Stock[]).flatMap((stock) => (['datamatrix', 'pdf417'] as Symbology[]).map((symbology) => ({ stock, symbology })));

describe('nothing is printed in the outer 0.15 inch of the stock, however crowded the label', () => {
  it.each(cases)('PDF: $stock $symbology', async ({ stock, symbology }) => {
    const { gray, width, height } = await pdfToGray(await renderLabel(crowded, { stock, format: 'pdf', symbology }), DPI);
    expect(inkInMargin(gray, width, height, 1)).toBe(0);
  });

  it.each(['datamatrix', 'pdf417'] as Symbology[])('PDF: label-4x6 with banner, return address and IMpb, %s', async (symbology) => {
    const { gray, width, height } = await pdfToGray(await renderLabel(carrierCrowded, { stock: 'label-4x6', format: 'pdf', symbology }), DPI);
    expect(inkInMargin(gray, width, height, 1)).toBe(0);
  });

  it.each(cases)('PNG (DejaVu text, resvg): $stock $symbology', async ({ stock, symbology }) => {
    const modules = barcodeSvg(crowded.itemBytes, 'datamatrix').modulesWide;
    const layout = layoutLabel(await standaloneMetrics(), crowded, stock, symbology, 300, modules);
    const image = new Resvg(writeSvg(layout, crowded.itemBytes, DPI), {
      font: {
        loadSystemFonts: false,
        fontFiles: [require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansCondensed.ttf'), require.resolve('dejavu-fonts-ttf/ttf/DejaVuSansCondensed-Bold.ttf')],
      },
      background: '#fff',
    }).render();
    expect(inkInMargin(image.pixels, image.width, image.height, 4)).toBe(0);
  });
});
