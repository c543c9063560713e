import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Reading barcodes back out of images loads zxing's wasm from disk: I/O, so it lives here and not in
// src/indicium, which only encodes them.
const require = createRequire(import.meta.url);
let zxingReady: Promise<typeof import('zxing-wasm/reader')> | undefined;

/** zxing-wasm's reader, with its wasm loaded from node_modules (it would otherwise fetch it from a CDN). */
function zxing(): Promise<typeof import('zxing-wasm/reader')> {
  zxingReady ??= (async () => {
    const reader = await import('zxing-wasm/reader');
    const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer;
    await reader.prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
    return reader;
  })().catch((err: unknown) => {
    zxingReady = undefined;
    throw err;
  });
  return zxingReady;
}

/**
 * Every valid Data Matrix and PDF417 symbol found in an image file (PNG, JPEG, ...), as the exact bytes
 * it carries (zxing's `bytes`: no text decoding, no ECI processing). An empty list when there is none,
 * and also when the bytes are not an image zxing can read.
 */
export async function decodeBarcodes(image: Uint8Array): Promise<Buffer[]> {
  const { readBarcodes } = await zxing();
  const results = await readBarcodes(image, { formats: ['DataMatrix', 'PDF417'], tryHarder: true, maxNumberOfSymbols: 8 });
  return results.filter((r) => r.isValid).map((r) => Buffer.from(r.bytes));
}
