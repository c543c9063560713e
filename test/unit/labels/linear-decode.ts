import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let ready: Promise<typeof import('zxing-wasm/reader')> | undefined;

/** Every Code 128 symbol zxing-wasm finds in an image: its bytes (FNC1 separators as GS) and its AIM symbology identifier (]C1 = GS1-128). */
export async function zxingCode128(image: Uint8Array): Promise<Array<{ bytes: string; symbologyIdentifier: string; text: string }>> {
  ready ??= (async () => {
    const reader = await import('zxing-wasm/reader');
    const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    await reader.prepareZXingModule({
      overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer },
      fireImmediately: true,
    });
    return reader;
  })();
  const { readBarcodes } = await ready;
  const found = await readBarcodes(image, { formats: ['Code128'], tryHarder: true, maxNumberOfSymbols: 4 });
  return found
    .filter((r) => r.isValid)
    .map((r) => ({ bytes: Buffer.from(r.bytes).toString('latin1'), symbologyIdentifier: r.symbologyIdentifier, text: r.text }));
}
