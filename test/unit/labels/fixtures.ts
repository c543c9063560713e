import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeItem, encodeSignedBytes, impbFor } from '../../../src/indicium/index.js';
import { itemIdOf, signItemBytes } from '../../../src/crypto/index.js';
import type { LabelInput } from '../../../src/indicium/labels/index.js';
import { SAMPLE } from '../helpers/items.js';

const run = promisify(execFile);

/** A real signed postage item (SAMPLE) and the label input that goes with it. */
export function realItem(): LabelInput {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (SAMPLE.kind !== 'postage') throw new Error('SAMPLE is a postage item');
  const signed = encodeSignedBytes(SAMPLE);
  return {
    itemBytes: encodeItem(signed, signItemBytes(signed, privateKey)),
    kind: 'postage',
    valueMills: SAMPLE.valueMills,
    date: SAMPLE.date,
    meterId: SAMPLE.meterId,
    itemId: itemIdOf(signed),
    originZip: SAMPLE.postage.originZip,
    destination: SAMPLE.postage.destination,
    addressLines: ['JANE Q PUBLIC', 'ACME WIDGETS INC', '1234 MAIN ST STE 500', 'NEW YORK NY 10001-1234'],
  };
}

/** Deterministic pseudo-random bytes (so a failure can be replayed). */
export function randomPayload(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** The largest item a label must carry (bound for every item kind), and bytes that trip encoders up. */
export const PAYLOADS: ReadonlyArray<readonly [string, Buffer]> = [
  ['700 random bytes', randomPayload(700, 0x5eed)],
  ['700 x 0x00', Buffer.alloc(700, 0x00)],
  ['700 x 0xFF', Buffer.alloc(700, 0xff)],
  ['0x00..0xFF', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
];

export function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vm-labels-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Page 1 of a PDF rendered by poppler's pdftoppm, as a PNG. */
export function pdfToPng(pdf: Buffer, dpi = 300): Promise<Buffer> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-r', String(dpi), '-png', '-singlefile', '-f', '1', '-l', '1', join(dir, 'in.pdf'), join(dir, 'page')]);
    return readFile(join(dir, 'page.png'));
  });
}

/** Page 1 of a PDF as an 8-bit grayscale raster (pdftoppm -gray, PGM). */
export function pdfToGray(pdf: Buffer, dpi: number): Promise<{ gray: Uint8Array; width: number; height: number }> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-r', String(dpi), '-gray', '-singlefile', '-f', '1', '-l', '1', join(dir, 'in.pdf'), join(dir, 'page')]);
    const pgm = await readFile(join(dir, 'page.pgm'));
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString('latin1', 0, 64));
    if (!header) throw new Error('pdftoppm did not write an 8-bit PGM');
    return { gray: pgm.subarray(header[0].length), width: Number(header[1]), height: Number(header[2]) };
  });
}

/** The text of a PDF, by poppler's pdftotext. */
export function pdfText(pdf: Buffer): Promise<string> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, 'in.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-layout', join(dir, 'in.pdf'), '-'], { encoding: 'utf8' });
    return stdout;
  });
}

/** The bytes of the first Data Matrix libdmtx's dmtxread finds in a PNG. */
export function dmtxread(png: Buffer): Promise<Buffer> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, 'in.png'), png);
    const { stdout } = await run('dmtxread', ['-N1', '-m', '20000', join(dir, 'in.png')], { encoding: 'buffer', maxBuffer: 1 << 20 });
    return stdout;
  });
}

/** Page count and the first page's size in points, by poppler's pdfinfo. */
export function pdfInfo(pdf: Buffer): Promise<{ pages: number; widthPt: number; heightPt: number }> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, 'in.pdf'), pdf);
    const { stdout } = await run('pdfinfo', [join(dir, 'in.pdf')], { encoding: 'utf8' });
    const pages = /^Pages:\s+(\d+)$/m.exec(stdout);
    const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(stdout);
    if (!pages || !size) throw new Error(`unexpected pdfinfo output: ${stdout}`);
    return { pages: Number(pages[1]), widthPt: Number(size[1]), heightPt: Number(size[2]) };
  });
}

/** PNG width and height from IHDR, and the pHYs resolution in dpi if there is one. */
export function pngInfo(png: Buffer): { width: number; height: number; dpi?: number } {
  const info: { width: number; height: number; dpi?: number } = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
  const at = png.indexOf('pHYs', 8, 'latin1');
  if (at > 0 && png[at + 12] === 1) info.dpi = Math.round(png.readUInt32BE(at + 4) * 0.0254);
  return info;
}

/** What zbar's zbarimg reads from the barcodes of a PNG (--raw: the data only, a GS1 FNC1 separator as GS, 0x1D), one line each. */
export function zbarimg(png: Buffer): Promise<string[]> {
  return inTempDir(async (dir) => {
    await writeFile(join(dir, 'in.png'), png);
    const { stdout } = await run('zbarimg', ['--raw', '-q', '--nodbus', join(dir, 'in.png')], { encoding: 'latin1' });
    return stdout.split('\n').filter((l) => l !== '');
  });
}

/** The real signed item as a rated Priority Mail label: service banner, return address and IMpb (Mailer ID 912345678, ZIP+4). */
export function carrierItem(): LabelInput {
  const item = realItem();
  const impb = impbFor({ itemId: item.itemId, destination: '100011234', rateCategory: 'PM', mailerId: '912345678' })!;
  return { ...item, serviceBanner: 'PRIORITY MAIL', returnLines: ['ACME SHIPPING', '1 ELM ST', 'ALEXANDRIA VA 20176'], impb };
}
