import bwipjs from 'bwip-js';

/** A Data Matrix ECC 200 PNG of the exact item bytes (binary mode, no text re-encoding). */
export function dataMatrixPng(itemBytes: Uint8Array, scale = 4): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: 'datamatrix',
    text: Buffer.from(itemBytes).toString('latin1'),
    binarytext: true,
    scale,
    paddingwidth: 2,
    paddingheight: 2,
    // Opaque white: bwip-js leaves the background transparent, which decoders (zxing) read as black.
    backgroundcolor: 'FFFFFF',
  });
}
