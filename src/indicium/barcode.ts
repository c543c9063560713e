import bwipjs from 'bwip-js';

/**
 * Data Matrix ECC 200 codewords for `bytes` as one Base 256 field (ISO/IEC 16022 5.2.9): latch 231,
 * the length, then the bytes, each randomized with the 255-state algorithm. Written as BWIPP raw
 * codewords ("^NNN"); BWIPP adds the padding and error correction.
 *
 * We encode the field ourselves because BWIPP's automatic encodation (bwip-js 4.11) fails with
 * "datamatrixTooMuchData" on about one item in 1,500, and because Base 256 carries the bytes as they are.
 */
function base256Codewords(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n > 1555) throw new Error('too many bytes for one Data Matrix symbol');
  const field = n <= 249 ? [n] : [Math.floor(n / 250) + 249, n % 250];
  const codewords = [231];
  for (const v of [...field, ...bytes]) {
    const position = codewords.length + 1; // 1-based position in the data codeword stream
    codewords.push((v + ((149 * position) % 255) + 1) % 256);
  }
  return codewords.map((c) => `^${c.toString().padStart(3, '0')}`).join('');
}

/** A Data Matrix ECC 200 PNG of the exact item bytes (Base 256, no text re-encoding). */
export function dataMatrixPng(itemBytes: Uint8Array, scale = 4): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: 'datamatrix',
    text: base256Codewords(itemBytes),
    raw: true,
    scale,
    paddingwidth: 2,
    paddingheight: 2,
    // Opaque white: bwip-js leaves the background transparent, which decoders (zxing) read as black.
    backgroundcolor: 'FFFFFF',
  } as Parameters<typeof bwipjs.toBuffer>[0]);
}
