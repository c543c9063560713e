import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_SCAN_FILE_BYTES } from '../constants.js';
import { VaultError } from '../errors.js';
import { ITEM_MAGIC } from '../indicium/index.js';
import { decodeBarcodes } from './barcode-reader.js';

const run = promisify(execFile);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const PDF = Buffer.from('%PDF', 'latin1');
const PDF_DPI = '300';
const PDF_MAX_PAGES = '4';

/** The item bytes in a file: raw item bytes as they are, or the Vaultmeter barcode in a PNG or PDF. */
export async function readItemFile(path: string): Promise<Buffer> {
  const bytes = await readBounded(path);
  if (!isImageOrPdf(bytes)) return bytes;
  const found = await barcodesIn(path, bytes);
  const item = found.find((b) => b.subarray(0, 2).equals(ITEM_MAGIC));
  if (!item) throw new VaultError('unsupported_file', `${path}: no Vaultmeter barcode found`);
  return item;
}

/** Every barcode that decodes from a PNG, or from the first pages of a PDF (rendered with pdftoppm). */
export async function barcodesIn(path: string, bytes?: Buffer): Promise<Buffer[]> {
  const b = bytes ?? (await readBounded(path));
  if (b.subarray(0, 4).equals(PNG)) return decodeImage(b, path);
  if (b.subarray(0, 4).equals(PDF)) return decodePdf(path);
  throw new VaultError('unsupported_file', `${path} is neither a PNG nor a PDF`);
}

function isImageOrPdf(b: Buffer): boolean {
  return b.subarray(0, 4).equals(PNG) || b.subarray(0, 4).equals(PDF);
}

async function readBounded(path: string): Promise<Buffer> {
  const size = (await stat(path)).size;
  if (size > MAX_SCAN_FILE_BYTES) throw new VaultError('unsupported_file', `${path} is ${size} bytes; the limit is ${MAX_SCAN_FILE_BYTES}`);
  return readFile(path);
}

async function decodeImage(png: Buffer, what: string): Promise<Buffer[]> {
  try {
    return await decodeBarcodes(png);
  } catch (e) {
    throw new VaultError('unsupported_file', `${what}: the image does not decode (${(e as Error).message})`);
  }
}

async function decodePdf(path: string): Promise<Buffer[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vm-scan-'));
  try {
    try {
      await run('pdftoppm', ['-r', PDF_DPI, '-png', '-l', PDF_MAX_PAGES, path, join(dir, 'page')], { timeout: 30_000 });
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ENOENT';
      throw new VaultError('unsupported_file', missing ? 'reading a PDF needs pdftoppm (Debian package poppler-utils)' : `${path} does not render as a PDF`);
    }
    const found: Buffer[] = [];
    for (const page of (await readdir(dir)).filter((f) => f.endsWith('.png')).sort()) {
      found.push(...(await decodeImage(await readFile(join(dir, page)), path).catch(() => [])));
    }
    return found;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
