import { barcodeSvg } from '../barcode.js';
import type { Layout } from './layout.js';
import { linearBoxes } from './lines.js';

/** The font the SVG names; png.ts hands resvg the matching DejaVu files. */
export const SVG_FONT_FAMILY = 'DejaVu Sans';

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: number) => Number(v.toFixed(3)).toString();

/** A layout as an SVG document in device pixels at `dpi` (white background, black ink). */
export function writeSvg(layout: Layout, itemBytes: Uint8Array, dpi: number): string {
  const px = (inches: number) => num(inches * dpi);
  const W = Math.round(layout.widthIn * dpi);
  const H = Math.round(layout.heightIn * dpi);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
  ];
  for (const el of layout.elements) {
    if (el.type === 'text') {
      parts.push(
        `<text x="${px(el.x)}" y="${px(el.y)}" font-family="${SVG_FONT_FAMILY}" font-stretch="condensed" font-size="${num((el.sizePt * dpi) / 72)}"` +
          `${el.bold ? ' font-weight="bold"' : ''} fill="#000" xml:space="preserve">${escapeXml(el.text)}</text>`,
      );
    } else if (el.type === 'box' || el.type === 'linear') {
      for (const b of el.type === 'box' ? [el] : linearBoxes(el)) {
        parts.push(`<rect x="${px(b.x)}" y="${px(b.y)}" width="${px(b.w)}" height="${px(b.h)}" fill="#000" shape-rendering="crispEdges"/>`);
      }
    } else {
      const v = barcodeSvg(itemBytes, el.symbology, el.columns ? { columns: el.columns } : {});
      if (v.modulesWide !== el.modulesWide || v.modulesHigh !== el.modulesHigh) throw new Error('barcode geometry differs from the layout');
      const scale = num((el.moduleIn * dpi) / v.unitsPerModule);
      parts.push(`<path d="${v.path}" transform="translate(${px(el.x)} ${px(el.y)}) scale(${scale})" fill="#000" shape-rendering="crispEdges"/>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}
