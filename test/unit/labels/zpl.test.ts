import { describe, expect, it } from 'vitest';
import { renderLabel, zplUnhex, type LabelInput } from '../../../src/indicium/labels/index.js';
import { randomPayload, realItem } from './fixtures.js';
import { zplBarcodeBytes } from './zpl-parse.js';

const item = realItem();
const zplOf = async (input: LabelInput, symbology: 'datamatrix' | 'pdf417' = 'datamatrix') =>
  (await renderLabel(input, { stock: 'label-4x6', format: 'zpl', symbology })).toString('latin1');

/** Every "^" starts a command (two letters/digits), and there is no "~" control command at all. */
function expectOnlyFormatCommands(zpl: string): void {
  expect(zpl).not.toContain('~');
  for (const m of zpl.matchAll(/\^/g)) expect(zpl.slice(m.index + 1, m.index + 3)).toMatch(/^[A-Z][A-Z0-9@]$/);
}

describe('ZPL for the 4x6 thermal label', () => {
  it('is one 4x6 label at 203 dpi in code page 1252 with a ^BX Data Matrix (ECC 200, escape "_") of the item', async () => {
    const zpl = await zplOf(item);
    expect(zpl).toMatch(/^\^XA\n\^CI27\n\^PW812\n\^LL1218\n/);
    expect(zpl.match(/\^XA/g)).toHaveLength(1);
    expect(zpl).toMatch(/\^FO\d+,\d+\^BXN,\d+,200,0,0,6,_\^FH_\^FD/);
    expect(zpl).not.toContain('^B7');
    expect(zplBarcodeBytes(zpl)).toEqual({ command: 'BX', bytes: item.itemBytes });
    expectOnlyFormatCommands(zpl);
  });

  it('uses ^B7 with ^BY module width, rows 3 modules high, a security level and column count for PDF417', async () => {
    const zpl = await zplOf(item, 'pdf417');
    expect(zpl).toMatch(/\^BY\d+\^FO\d+,\d+\^B7N,3,[2-5],\d+,,N\^FH_\^FD/);
    expect(zpl).not.toContain('^BX');
    expect(zplBarcodeBytes(zpl)).toEqual({ command: 'B7', bytes: item.itemBytes });
  });

  it('escapes the bytes ZPL and ^BX treat specially (^ ~ _ \\ and controls), doubling "_" for ^BX only', async () => {
    const nasty = Buffer.from('^XZ~JR_5F__\\&\\\\\r\n\x00\xff^FS,', 'latin1');
    const dm = await zplOf({ ...item, itemBytes: nasty });
    const pdf417 = await zplOf({ ...item, itemBytes: nasty }, 'pdf417');
    for (const zpl of [dm, pdf417]) {
      expectOnlyFormatCommands(zpl);
      expect(zpl.match(/\^XZ/g)).toHaveLength(1);
    }
    const field = (zpl: string) => /\^FH_\^FD([^^]*)\^FS/.exec(zpl.slice(zpl.search(/\^B[X7]/)))![1]!;
    expect(field(dm)).toBe('_5EXZ_7EJR_5F_5F5F_5F_5F_5F_5F_5C&_5C_5C_0D_0A_00_FF_5EFS,');
    expect(field(pdf417)).toBe('_5EXZ_7EJR_5F5F_5F_5F_5C&_5C_5C_0D_0A_00_FF_5EFS,');
    expect(zplBarcodeBytes(dm).bytes).toEqual(nasty);
    expect(zplBarcodeBytes(pdf417).bytes).toEqual(nasty);
  });

  it('carries every byte value, and random items of many sizes, exactly', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const bytes of [all, ...[1, 5, 6, 7, 139, 175, 249, 250, 251, 512, 700].map((n) => randomPayload(n, n))]) {
      for (const symbology of ['datamatrix', 'pdf417'] as const) {
        expect(zplBarcodeBytes(await zplOf({ ...item, itemBytes: bytes }, symbology)).bytes).toEqual(bytes);
      }
    }
  });

  it('prints the text fields escaped, with characters outside code page 1252 as "?"', async () => {
    const zpl = await zplOf({ ...item, addressLines: ['Zoë ^XZ ~JR O_Brien \\ 東京'] });
    expectOnlyFormatCommands(zpl);
    const texts = [...zpl.matchAll(/\^A0N,\d+\^FH_\^FD([^^]*)\^FS/g)].map((m) => zplUnhex(m[1]!).toString('latin1'));
    expect(texts).toContain('Zo\xeb ^XZ ~JR O_Brien \\ ??');
    expect(texts).toContain('$0.73');
    expect(texts).toContain(`METER ${item.meterId}`);
    expect(texts).toContain('FROM ZIP 20260');
  });
});
