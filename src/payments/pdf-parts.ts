import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

// What the customer's money documents share (a funding receipt, an invoice): a Letter page in the
// standard fonts, with a title block and label/value rows. Deterministic: no creation time is written.

export const PAGE = { width: 612, height: 792 };
export const MARGIN = 72;
export const VALUE_X = 150;

export const dollars = (mills: bigint): string => {
  const cents = mills / 10n;
  return `$${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
};
export const day = (d: Date): string => d.toISOString().slice(0, 10);
export const time = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** Text the standard font can draw: anything else becomes '?'. */
export function printable(font: PDFFont): (text: string) => string {
  const chars = new Set(font.getCharacterSet());
  return (text) => Array.from(text.normalize('NFC').replace(/\s+/g, ' '), (ch) => (chars.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

export function drawRows(page: PDFPage, bold: PDFFont, regular: PDFFont, clean: (s: string) => string, top: number, list: readonly [string, string][]): void {
  let y = top;
  const room = PAGE.width - 2 * MARGIN - VALUE_X;
  for (const [label, value] of list) {
    const text = clean(value);
    // A long value (a company's name in an address line, say) is set smaller rather than cut.
    const size = Math.max(7, Math.min(11, (11 * room) / regular.widthOfTextAtSize(text, 11)));
    page.drawText(clean(label), { x: MARGIN, y, size: 11, font: bold });
    page.drawText(text, { x: MARGIN + VALUE_X, y, size, font: regular });
    y -= 18;
  }
}

/** Who a document is for, as the profile has it. */
export interface DocumentCustomer {
  readonly username: string;
  readonly name: string;
  readonly company: string;
  readonly addressLines: readonly string[];
}

/** The customer's block: name (or user name), company, address, and the account name. */
export function customerLines(c: DocumentCustomer): string[] {
  return [...[c.name || c.username, c.company, ...c.addressLines].filter(Boolean), `Account: ${c.username}`];
}

export interface MoneyPage {
  readonly doc: PDFDocument;
  readonly page: PDFPage;
  readonly bold: PDFFont;
  readonly regular: PDFFont;
  readonly clean: (text: string) => string;
  /** Writes a line at the cursor and moves it down; returns the cursor. */
  line(text: string, size?: number, font?: PDFFont): number;
  /** Moves the cursor down by `points`. */
  skip(points: number): void;
  readonly y: () => number;
}

/** A new one-page document with the title metadata set, and a cursor from the top margin. */
export async function moneyPage(title: string): Promise<MoneyPage> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(title, { showInWindowTitleBar: false });
  const page = doc.addPage([PAGE.width, PAGE.height]);
  const regular = doc.embedStandardFont(StandardFonts.Helvetica);
  const bold = doc.embedStandardFont(StandardFonts.HelveticaBold);
  const clean = printable(regular);
  let y = PAGE.height - MARGIN;
  return {
    doc,
    page,
    bold,
    regular,
    clean,
    line(text, size = 11, font = regular) {
      page.drawText(clean(text), { x: MARGIN, y, size, font, color: rgb(0, 0, 0) });
      y -= size * 1.5;
      return y;
    },
    skip(points) {
      y -= points;
    },
    y: () => y,
  };
}
