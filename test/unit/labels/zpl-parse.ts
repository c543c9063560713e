import { zplUnhex } from '../../../src/indicium/labels/index.js';

/**
 * Reads the barcode field back out of a ZPL label as a printer would: the ^FD data of the field that
 * has a ^BX (Data Matrix) or ^B7 (PDF417) command, ^FH hex escapes undone, and for ^BX the doubled
 * escape character (set to "_" by the ^BX g parameter) collapsed.
 */
export function zplBarcodeBytes(zpl: string): { command: 'BX' | 'B7'; bytes: Buffer } {
  const fields = zpl.split('^FS').filter((f) => /\^B[X7]/.test(f));
  if (fields.length !== 1) throw new Error(`expected one barcode field, found ${fields.length}`);
  const field = fields[0]!;
  const command = /\^BX/.test(field) ? 'BX' : 'B7';
  const fh = /\^FH(.?)\^FD/.exec(field);
  if (!fh || fh[1] !== '_') throw new Error('barcode field data is not ^FH_ escaped');
  const data = field.slice(fh.index + fh[0].length);
  if (/[\^~]/.test(data)) throw new Error('raw ^ or ~ in field data');
  const bytes = zplUnhex(data);
  if (command === 'B7') return { command, bytes };
  const escape = /\^BX[^,^]*,[^,^]*,200,[^,^]*,[^,^]*,[^,^]*,(.)/.exec(field)?.[1];
  if (escape !== '_') throw new Error('^BX must set its escape character to "_"');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x5f) {
      if (bytes[i + 1] !== 0x5f) throw new Error(`lone ^BX escape character at ${i}`);
      i++;
    }
    out.push(bytes[i]!);
  }
  return { command, bytes: Buffer.from(out) };
}
