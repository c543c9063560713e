import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAX_SCAN_FILE_BYTES } from '../constants.js';
import { VaultError } from '../errors.js';
import { decodeBarcodes, ITEM_MAGIC } from '../indicium/index.js';

const run = promisify(execFile);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const PDF = Buffer.from('%PDF', 'latin1');
const PDF_DPI = '300';

/** The item bytes in a file: raw item bytes as they are, or the barcode decoded from a PNG or a PDF. */
export async function readItemFile(path: string): Promise<Buffer> {
  const size = (await stat(path)).size;
  if (size > MAX_SCAN_FILE_BYTES) throw new VaultError('unsupported_file', `${path} is ${size} bytes; the limit is ${MAX_SCAN_FILE_BYTES}`);
  const bytes = await readFile(path);
  if (bytes.subarray(0, 4).equals(PNG)) return fromImage(bytes, path);
  if (bytes.subarray(0, 4).equals(PDF)) return fromPdf(path);
  return bytes;
}

async function fromImage(png: Buffer, what: string): Promise<Buffer> {
  let found: Buffer[];
  try {
    found = await decodeBarcodes(png);
  } catch (e) {
    throw new VaultError('unsupported_file', `${what}: the image does not decode (${(e as Error).message})`);
  }
  const item = found.find((b) => b.subarray(0, 2).equals(ITEM_MAGIC));
  if (!item) throw new VaultError('unsupported_file', `${what}: no Vaultmeter barcode found in the image`);
  return item;
}

/** Render each page with pdftoppm (Debian poppler-utils) and take the first Vaultmeter barcode. */
async function fromPdf(path: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'vm-scan-'));
  try {
    try {
      await run('pdftoppm', ['-r', PDF_DPI, '-png', '-l', '4', path, join(dir, 'page')], { timeout: 30_000 });
    } catch (e) {
      const missing = (e as { code?: string }).code === 'ENOENT';
      throw new VaultError('unsupported_file', missing ? 'reading a PDF needs pdftoppm (Debian package poppler-utils)' : `${path} does not render as a PDF`);
    }
    const pages = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    for (const page of pages) {
      const png = await readFile(join(dir, page));
      const item = await fromImage(png, path).catch(() => null);
      if (item) return item;
    }
    throw new VaultError('unsupported_file', `${path}: no Vaultmeter barcode on any page`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

