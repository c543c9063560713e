import { PDFDocument, rgb } from 'pdf-lib';
import { barcodeSvg } from '../barcode.js';
import type { Layout } from './layout.js';
import { linearBoxes } from './lines.js';
import type { PdfFonts } from './text.js';

const BLACK = rgb(0, 0, 0);

/** Draws a layout as a one-page PDF (Helvetica text, the barcode as one vector path). */
export async function writePdf(doc: PDFDocument, fonts: PdfFonts, layout: Layout, itemBytes: Uint8Array, title: string): Promise<Buffer> {
  const H = layout.heightIn * 72;
  const page = doc.addPage([layout.widthIn * 72, H]);
  doc.setTitle(title);
  doc.setProducer('Vaultmeter');
  doc.setCreator('Vaultmeter');
  for (const el of layout.elements) {
    if (el.type === 'text') {
      page.drawText(el.text, { x: el.x * 72, y: H - el.y * 72, size: el.sizePt, font: el.bold ? fonts.bold : fonts.regular, color: BLACK });
    } else if (el.type === 'box' || el.type === 'linear') {
      for (const b of el.type === 'box' ? [el] : linearBoxes(el)) {
        page.drawRectangle({ x: b.x * 72, y: H - (b.y + b.h) * 72, width: b.w * 72, height: b.h * 72, color: BLACK, borderWidth: 0 });
      }
    } else {
      const v = barcodeSvg(itemBytes, el.symbology, el.columns ? { columns: el.columns } : {});
      if (v.modulesWide !== el.modulesWide || v.modulesHigh !== el.modulesHigh) throw new Error('barcode geometry differs from the layout');
      // drawSvgPath puts the path's origin at (x, y) and flips its y axis (SVG y runs downwards).
      page.drawSvgPath(v.path, { x: el.x * 72, y: H - el.y * 72, scale: (el.moduleIn * 72) / v.unitsPerModule, color: BLACK, borderWidth: 0 });
    }
  }
  return Buffer.from(await doc.save());
}
