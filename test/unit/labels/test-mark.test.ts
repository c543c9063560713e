import { describe, expect, it } from 'vitest';
import { encodeItem, encodeSignedBytes } from '../../../src/indicium/index.js';
import { renderLabel, TEST_MARK, zplUnhex, type LabelInput } from '../../../src/indicium/labels/index.js';
import { carrierItem, pdfText, realItem } from './fixtures.js';
import { SAMPLE } from '../helpers/items.js';

// Test mode: a test item's label says TEST ITEM — NOT POSTAGE, whatever the caller passed, and
// carries no service banner or IMpb that would make it look like a real shipment.

const testBytes = encodeItem(encodeSignedBytes({ ...SAMPLE, test: true }), Buffer.alloc(64, 2));

function zplTexts(zpl: string): string[] {
  return [...zpl.matchAll(/\^A0N,\d+\^FH_\^FD([^^]*)\^FS/g)].map((m) => zplUnhex(m[1]!).toString('latin1'));
}

describe('test item labels', () => {
  it('marks a ZPL label of a test item, from the item bytes alone', async () => {
    const input: LabelInput = { ...realItem(), itemBytes: testBytes };
    const zpl = (await renderLabel(input, { stock: 'label-4x6', format: 'zpl' })).toString('latin1');
    const texts = zplTexts(zpl);
    // ZPL prints code page 1252: the em dash is its byte 0x97.
    expect(texts.filter((t) => t === TEST_MARK.replace('—', '\x97'))).toHaveLength(2);
    const real = (await renderLabel(realItem(), { stock: 'label-4x6', format: 'zpl' })).toString('latin1');
    expect(zplTexts(real).some((t) => t.includes('NOT POSTAGE'))).toBe(false);
  });

  it('marks a PDF label, on every stock', async () => {
    for (const stock of ['label-4x6', 'envelope-10', 'letter'] as const) {
      const pdf = await renderLabel({ ...realItem(), test: true }, { stock, format: 'pdf' });
      expect(await pdfText(pdf)).toContain('TEST ITEM — NOT POSTAGE');
    }
  });

  it('replaces the service banner and drops the IMpb of a carrier label', async () => {
    const input: LabelInput = { ...carrierItem(), itemBytes: testBytes };
    const zpl = (await renderLabel(input, { stock: 'label-4x6', format: 'zpl' })).toString('latin1');
    expect(zplTexts(zpl).some((t) => t.includes('PRIORITY MAIL'))).toBe(false);
    expect(zpl).not.toContain('^BCN');
    const real = (await renderLabel(carrierItem(), { stock: 'label-4x6', format: 'zpl' })).toString('latin1');
    expect(real).toContain('^BCN');
  });
});
