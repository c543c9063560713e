import { pdf417Geometry } from '../barcode.js';
import type { Element, Layout } from './layout.js';
import type { LinearElement } from './lines.js';
import { LabelError } from './types.js';

/**
 * A layout as ZPL II for a Zebra-compatible thermal printer. The printer encodes the barcodes itself:
 * ^BX (Data Matrix, ECC 200) and ^B7 (PDF417). All field data goes through ^FH (hex escapes "_XX") in
 * code page 1252 (^CI27, one byte per character), so any item byte reaches the encoder unchanged.
 */

/** Bytes printed as themselves in ^FD; everything else becomes _XX. Never ^ ~ (ZPL prefixes), _ (the ^FH and ^BX escape) or \ . */
const isPlain = (b: number) => b >= 0x20 && b <= 0x7e && b !== 0x5e && b !== 0x7e && b !== 0x5f && b !== 0x5c;

export function zplHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += isPlain(b) ? String.fromCharCode(b) : `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Undoes zplHex: the bytes a printer's ^FH processing gives back. */
export function zplUnhex(field: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < field.length; i++) {
    if (field[i] === '_') {
      const hex = field.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error(`bad ^FH escape at ${i}`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(field.charCodeAt(i));
  }
  return Buffer.from(out);
}

/** ^BX quality 200 treats its escape character (we set "_") as special; "__" stands for one "_". */
export function dataMatrixFieldBytes(itemBytes: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of itemBytes) {
    out.push(b);
    if (b === 0x5f) out.push(b);
  }
  return Buffer.from(out);
}

const CP1252 = (() => {
  const map = new Map<string, number>();
  const dec = new TextDecoder('windows-1252');
  for (let b = 0x20; b <= 0xff; b++) if (b !== 0x7f && (b < 0x80 || b > 0x9f)) map.set(dec.decode(Uint8Array.of(b)), b);
  // 0x80-0x9F: Node's decoder (without full ICU) gives C1 controls there, not code page 1252's
  // characters (the em dash of a test item's marking is 0x97). Five of them are undefined.
  Array.from('€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ').forEach((ch, i) => {
    if (ch.charCodeAt(0) >= 0x100) map.set(ch, 0x80 + i);
  });
  return map;
})();

/** Cleaned label text (WinAnsi, which is code page 1252) as bytes; anything else becomes "?". */
function cp1252(text: string): Buffer {
  return Buffer.from(Array.from(text, (ch) => CP1252.get(ch) ?? 0x3f));
}

/** ZPL ^FD holds at most 3072 characters. */
const MAX_FIELD = 3072;

export function writeZpl(layout: Layout, itemBytes: Uint8Array, dpi: number): Buffer {
  const d = (inches: number) => Math.round(inches * dpi);
  const lines = ['^XA', '^CI27', `^PW${d(layout.widthIn)}`, `^LL${d(layout.heightIn)}`, '^LH0,0', '^PON', '^FWN'];
  for (const el of layout.elements) {
    if (el.type === 'text') {
      const h = Math.max(10, Math.round((el.sizePt * dpi) / 72));
      lines.push(`^FT${d(el.x)},${d(el.y)}^A0N,${h}^FH_^FD${zplHex(cp1252(el.text))}^FS`);
    } else if (el.type === 'box') {
      const w = Math.max(1, d(el.w));
      const h = Math.max(1, d(el.h));
      lines.push(`^FO${d(el.x)},${d(el.y)}^GB${w},${h},${Math.min(w, h)}^FS`);
    } else if (el.type === 'linear') {
      lines.push(zplImpb(el, dpi));
    } else lines.push(zplItemBarcode(el, itemBytes, dpi));
  }
  lines.push('^PQ1', '^XZ', '');
  return Buffer.from(lines.join('\n'), 'latin1');
}

function zplItemBarcode(el: Exclude<Element, { type: 'text' | 'box' | 'linear' }>, itemBytes: Uint8Array, dpi: number): string {
  const d = (inches: number) => Math.round(inches * dpi);
  const dots = Math.round(el.moduleIn * dpi);
  let field: string;
  let line: string;
  if (el.symbology === 'datamatrix') {
    field = zplHex(dataMatrixFieldBytes(itemBytes));
    // ^BXo,h,s,c,r,f,g: module h dots, ECC 200, size chosen by the printer, escape character "_".
    line = `^FO${d(el.x)},${d(el.y)}^BXN,${dots},200,0,0,6,_^FH_^FD${field}^FS`;
  } else {
    const g = pdf417Geometry(itemBytes.length, el.columns ?? 0);
    if (!g) throw new Error('PDF417 geometry missing from the layout');
    field = zplHex(itemBytes);
    // ^BYw sets the module width; ^B7o,h,s,c,r,t: rows 3 modules high, security level, data columns, rows by the printer.
    line = `^BY${dots}^FO${d(el.x)},${d(el.y)}^B7N,3,${g.ecLevel},${g.columns},,N^FH_^FD${field}^FS`;
  }
  if (field.length > MAX_FIELD) throw new LabelError(`the item is too large for a ZPL field (${field.length} > ${MAX_FIELD} characters)`);
  return line;
}

/**
 * The IMpb as a ^BC (Code 128) field the printer encodes itself. Mode N with Code 128 invocation
 * characters (ZPL II Programming Guide, ^BC): ">;" starts subset C (digit pairs), ">8" is FNC1. A leading
 * FNC1 makes the symbol GS1-128; the second one ends the variable-length AI 420 element before the
 * tracking number. Every part has an even number of digits (420 + ZIP 5 or 9; 22-digit tracking number),
 * so subset C holds throughout. ^BCo,h,f,g,e,m: height in dots, no interpretation line (the layout prints
 * the tracking number itself), no UCC check digit, mode N.
 */
export function zplImpb(el: LinearElement, dpi: number): string {
  const routing = `420${el.impb.zip}`;
  if (routing.length % 2 !== 0 || el.impb.trackingNumber.length % 2 !== 0) throw new Error('IMpb parts must be digit pairs');
  const d = (inches: number) => Math.round(inches * dpi);
  return `^BY${Math.round(el.moduleIn * dpi)}^FO${d(el.x)},${d(el.y)}^BCN,${d(el.heightIn)},N,N,N,N^FD>;>8${routing}>8${el.impb.trackingNumber}^FS`;
}
