import { createRequire } from 'node:module';
import type { Layout } from './layout.js';
import { writeSvg } from './svg.js';

const require = createRequire(import.meta.url);

/** DejaVu ships inside npm (dejavu-fonts-ttf), so PNG output looks the same on every machine. */
const FONT_FILES = ['DejaVuSansCondensed.ttf', 'DejaVuSansCondensed-Bold.ttf', 'DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${f}`),
);

/** A layout as a PNG at `dpi`: the SVG rasterized by resvg, with the resolution recorded in a pHYs chunk. */
export async function writePng(layout: Layout, itemBytes: Uint8Array, dpi: number): Promise<Buffer> {
  // Loaded on first use: a native addon, so that a platform without it loses PNG output only.
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(writeSvg(layout, itemBytes, dpi), {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    background: '#ffffff',
    logLevel: 'off',
  });
  return withDpi(image.asPng(), dpi);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Inserts (or replaces) the pHYs chunk so that the PNG prints at its real size. */
export function withDpi(png: Buffer, dpi: number): Buffer {
  const ppm = Math.round(dpi / 0.0254);
  const body = Buffer.alloc(13);
  body.write('pHYs', 0, 'latin1');
  body.writeUInt32BE(ppm, 4);
  body.writeUInt32BE(ppm, 8);
  body.writeUInt8(1, 12); // unit: metre
  const chunk = Buffer.alloc(4 + 13 + 4);
  chunk.writeUInt32BE(9, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 17);
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const end = off + 12 + len;
    if (type !== 'pHYs') parts.push(png.subarray(off, end));
    if (type === 'IHDR') parts.push(chunk);
    off = end;
  }
  return Buffer.concat(parts);
}
