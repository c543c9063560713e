import bwipjs from 'bwip-js';

/** The 2-D symbologies an item can be printed in. Both carry the item bytes exactly. */
export type Symbology = 'datamatrix' | 'pdf417';
export const SYMBOLOGIES: readonly Symbology[] = ['datamatrix', 'pdf417'];

/** BWIPP raw codewords: "^NNN" each. */
function rawCodewords(codewords: readonly number[]): string {
  return codewords.map((c) => `^${c.toString().padStart(3, '0')}`).join('');
}

/**
 * Data Matrix ECC 200 codewords for `bytes` as one Base 256 field (ISO/IEC 16022 5.2.9): latch 231,
 * the length, then the bytes, each randomized with the 255-state algorithm. Written as BWIPP raw
 * codewords ("^NNN"); BWIPP adds the padding and error correction.
 *
 * We encode the field ourselves because BWIPP's automatic encodation (bwip-js 4.11) fails with
 * "datamatrixTooMuchData" on about one item in 1,500, and because Base 256 carries the bytes as they are.
 */
function base256Codewords(bytes: Uint8Array): number[] {
  const n = bytes.length;
  if (n > 1555) throw new Error('too many bytes for one Data Matrix symbol');
  const field = n <= 249 ? [n] : [Math.floor(n / 250) + 249, n % 250];
  const codewords = [231];
  for (const v of [...field, ...bytes]) {
    const position = codewords.length + 1; // 1-based position in the data codeword stream
    codewords.push((v + ((149 * position) % 255) + 1) % 256);
  }
  return codewords;
}

/**
 * PDF417 data codewords for `bytes` in Byte Compaction mode (ISO/IEC 15438 5.4.3): latch 924 when the
 * length is a multiple of 6, else 901; each group of 6 bytes becomes 5 base-900 codewords, and (after
 * latch 901) the last 1–5 bytes are one codeword each. Encoded here, like the Data Matrix field, so that
 * arbitrary bytes never go through BWIPP's automatic text/numeric compaction.
 */
export function pdf417ByteCodewords(bytes: Uint8Array): number[] {
  if (bytes.length === 0) throw new Error('nothing to encode');
  const codewords = [bytes.length % 6 === 0 ? 924 : 901];
  let i = 0;
  for (; i + 6 <= bytes.length; i += 6) {
    let v = 0n;
    for (let k = 0; k < 6; k++) v = (v << 8n) | BigInt(bytes[i + k]!);
    const group: number[] = [];
    for (let k = 0; k < 5; k++) {
      group.unshift(Number(v % 900n));
      v /= 900n;
    }
    codewords.push(...group);
  }
  for (; i < bytes.length; i++) codewords.push(bytes[i]!);
  return codewords;
}

/** ISO/IEC 15438 Annex E: recommended minimum error correction level for a number of data codewords. */
export function pdf417EcLevel(dataCodewords: number): number {
  if (dataCodewords <= 40) return 2;
  if (dataCodewords <= 160) return 3;
  if (dataCodewords <= 320) return 4;
  return 5;
}

/** Shape of a PDF417 symbol, in modules (rows are 3 modules high). */
export interface Pdf417Geometry {
  readonly columns: number;
  readonly rows: number;
  readonly ecLevel: number;
  readonly modulesWide: number;
  readonly modulesHigh: number;
}

export const PDF417_ROW_HEIGHT = 3;

/** The PDF417 symbol `byteLength` bytes make with `columns` data columns, or undefined if they do not fit. */
export function pdf417Geometry(byteLength: number, columns: number): Pdf417Geometry | undefined {
  if (!Number.isInteger(columns) || columns < 1 || columns > 30 || byteLength < 1) return undefined;
  const data = 1 + 5 * Math.floor(byteLength / 6) + (byteLength % 6) + 1; // latch, groups, rest, length descriptor
  const ecLevel = pdf417EcLevel(data);
  const total = data + 2 ** (ecLevel + 1);
  const rows = Math.max(3, Math.ceil(total / columns));
  if (total > 928 || rows > 90) return undefined;
  return { columns, rows, ecLevel, modulesWide: 17 * columns + 69, modulesHigh: PDF417_ROW_HEIGHT * rows };
}

/** A reasonable default column count: a symbol about as wide as it is high. */
export function defaultPdf417Columns(byteLength: number): number {
  let best: Pdf417Geometry | undefined;
  for (let c = 1; c <= 30; c++) {
    const g = pdf417Geometry(byteLength, c);
    if (!g) continue;
    const skew = Math.abs(Math.log(g.modulesWide / g.modulesHigh));
    if (!best || skew < Math.abs(Math.log(best.modulesWide / best.modulesHigh))) best = g;
  }
  if (!best) throw new Error(`too many bytes for one PDF417 symbol (${byteLength})`);
  return best.columns;
}

export interface BarcodeOptions {
  /** PDF417 only: data columns, 1 to 30 (default: a roughly square symbol). */
  readonly columns?: number;
}

type BwipOptions = Parameters<typeof bwipjs.toSVG>[0];

function bwipOptions(itemBytes: Uint8Array, symbology: Symbology, opts: BarcodeOptions = {}): BwipOptions {
  if (symbology === 'datamatrix') {
    return { bcid: 'datamatrix', text: rawCodewords(base256Codewords(itemBytes)), raw: true } as BwipOptions;
  }
  if (symbology !== 'pdf417') throw new Error(`unknown symbology ${String(symbology)}`);
  const columns = opts.columns ?? defaultPdf417Columns(itemBytes.length);
  const g = pdf417Geometry(itemBytes.length, columns);
  if (!g) throw new Error(`${itemBytes.length} bytes do not fit a PDF417 symbol of ${columns} columns`);
  return {
    bcid: 'pdf417',
    text: rawCodewords(pdf417ByteCodewords(itemBytes)),
    raw: true,
    columns: g.columns,
    rows: g.rows,
    eclevel: g.ecLevel,
    rowmult: PDF417_ROW_HEIGHT,
  } as BwipOptions;
}

/** A PNG of the exact item bytes, black on opaque white with a quiet zone; `scale` pixels per module. */
export function barcodePng(itemBytes: Uint8Array, symbology: Symbology, scale = 4, opts: BarcodeOptions = {}): Promise<Buffer> {
  return bwipjs.toBuffer({
    ...bwipOptions(itemBytes, symbology, opts),
    scale,
    paddingwidth: 2,
    paddingheight: 2,
    // Opaque white: bwip-js leaves the background transparent, which decoders (zxing) read as black.
    backgroundcolor: 'FFFFFF',
  });
}

/** A Data Matrix ECC 200 PNG of the exact item bytes (Base 256, no text re-encoding). */
export function dataMatrixPng(itemBytes: Uint8Array, scale = 4): Promise<Buffer> {
  return barcodePng(itemBytes, 'datamatrix', scale);
}

/** A PDF417 PNG of the exact item bytes (Byte Compaction, no text re-encoding). */
export function pdf417Png(itemBytes: Uint8Array, scale = 2, opts: BarcodeOptions = {}): Promise<Buffer> {
  return barcodePng(itemBytes, 'pdf417', scale, opts);
}

/** A barcode as one SVG path, for vector output (pdf-lib `drawSvgPath`, or an SVG document). */
export interface BarcodeVector {
  /** The whole SVG document bwip-js made (no background, no quiet zone). */
  readonly svg: string;
  /** The `d` of its single path: filled dark modules, y downwards, origin at the symbol's top left. */
  readonly path: string;
  /** Path units per module. */
  readonly unitsPerModule: number;
  /** Symbol size in modules (PDF417 rows count 3 modules high). */
  readonly modulesWide: number;
  readonly modulesHigh: number;
}

export function barcodeSvg(itemBytes: Uint8Array, symbology: Symbology, opts: BarcodeOptions = {}): BarcodeVector {
  const svg = bwipjs.toSVG({ ...bwipOptions(itemBytes, symbology, opts), scale: 1 });
  const viewBox = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(svg);
  const paths = [...svg.matchAll(/<path d="([^"]*)"/g)];
  if (!viewBox || paths.length !== 1) throw new Error('unexpected SVG from bwip-js');
  const width = Number(viewBox[1]);
  const height = Number(viewBox[2]);
  const unitsPerModule = symbology === 'datamatrix' ? dataMatrixUnits(itemBytes, width) : 1;
  return { svg, path: paths[0]![1]!, unitsPerModule, modulesWide: width / unitsPerModule, modulesHigh: height / unitsPerModule };
}

/** bwip-js draws a Data Matrix module as 2 units at scale 1 (a PDF417 module as 1); check against the symbol size. */
function dataMatrixUnits(itemBytes: Uint8Array, svgWidth: number): number {
  const [symbol] = bwipjs.raw({ bcid: 'datamatrix', text: rawCodewords(base256Codewords(itemBytes)), raw: true } as Parameters<typeof bwipjs.raw>[0]) as Array<{
    pixx: number;
  }>;
  if (!symbol || svgWidth % symbol.pixx !== 0) throw new Error('unexpected Data Matrix geometry from bwip-js');
  return svgWidth / symbol.pixx;
}
