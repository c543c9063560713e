import { PDFDocument, StandardFonts, type PDFFont } from 'pdf-lib';

/**
 * Text metrics for laying out a label. All outputs measure with Helvetica (the PDF font), widened so
 * that the PNG font (DejaVu Sans Condensed: up to ~4% wider than Helvetica, and up to ~20% in bold, for
 * digits and commas) and the ZPL font (narrower) also fit.
 */
export interface TextMetrics {
  /** Width in inches of `text` at `sizePt`. */
  width(text: string, sizePt: number, bold: boolean): number;
  /** `text` with every character the label fonts cannot print replaced by '?', whitespace collapsed. */
  clean(text: string): string;
}

const WIDEN = { regular: 1.1, bold: 1.22 };

export interface PdfFonts {
  readonly regular: PDFFont;
  readonly bold: PDFFont;
}

export function embedFonts(doc: PDFDocument): PdfFonts {
  return { regular: doc.embedStandardFont(StandardFonts.Helvetica), bold: doc.embedStandardFont(StandardFonts.HelveticaBold) };
}

export function metricsOf(fonts: PdfFonts): TextMetrics {
  const printable = new Set(fonts.regular.getCharacterSet().filter((c) => c >= 0x20 && c !== 0x7f && (c < 0x80 || c > 0x9f)));
  const clean = (text: string): string =>
    Array.from(text.normalize('NFC').replace(/\s+/g, ' ').trim(), (ch) => (printable.has(ch.codePointAt(0)!) ? ch : '?')).join('');
  return {
    clean,
    width: (text, sizePt, bold) => ((bold ? fonts.bold : fonts.regular).widthOfTextAtSize(clean(text), sizePt) * (bold ? WIDEN.bold : WIDEN.regular)) / 72,
  };
}

let standalone: Promise<TextMetrics> | undefined;

/** Metrics without a PDF to draw in (PNG and ZPL output); made once. */
export function standaloneMetrics(): Promise<TextMetrics> {
  standalone ??= PDFDocument.create({ updateMetadata: false }).then((doc) => metricsOf(embedFonts(doc)));
  return standalone;
}
