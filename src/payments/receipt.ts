import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

// A customer's receipt for a funding that settled: one Letter page, built from the ledger's rows.
// Pure: every date comes in, and the PDF carries no creation time of its own, so the same funding
// always gives the same bytes.

export interface FundingReceipt {
  /** The funding request id: the receipt's number. */
  readonly receiptNumber: string;
  readonly vendorName: string;
  readonly customer: { readonly username: string; readonly name: string; readonly company: string; readonly addressLines: readonly string[] };
  readonly amountMills: bigint;
  readonly requestedAt: Date;
  readonly settledAt: Date;
  /** An ACH debit: the account and the trace number. */
  readonly account?: { readonly routing: string; readonly last4: string; readonly accountType: 'checking' | 'savings' };
  readonly traceNumber?: string;
  /** A card payment through Stripe: its PaymentIntent. */
  readonly card?: { readonly paymentIntentId: string };
  /** Set when the bank returned the debit after settlement: the receipt says so. */
  readonly returned?: { readonly code: string; readonly at: Date; readonly owedMills: bigint };
}

const PAGE = { width: 612, height: 792 };
const MARGIN = 72;
const VALUE_X = 150;

const dollars = (mills: bigint): string => {
  const cents = mills / 10n;
  return `$${(cents / 100n).toLocaleString('en-US')}.${String(cents % 100n).padStart(2, '0')}`;
};
const day = (d: Date): string => d.toISOString().slice(0, 10);
const time = (d: Date): string => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** Text the standard font can draw: anything else becomes '?'. */
function printable(font: PDFFont): (text: string) => string {
  const chars = new Set(font.getCharacterSet());
  return (text) => Array.from(text.normalize('NFC').replace(/\s+/g, ' '), (ch) => (chars.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

export async function receiptPdf(r: FundingReceipt): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(`Receipt ${r.receiptNumber}`, { showInWindowTitleBar: false });
  const page = doc.addPage([PAGE.width, PAGE.height]);
  const regular = doc.embedStandardFont(StandardFonts.Helvetica);
  const bold = doc.embedStandardFont(StandardFonts.HelveticaBold);
  const clean = printable(regular);
  let y = PAGE.height - MARGIN;
  const line = (text: string, size = 11, font = regular) => {
    page.drawText(clean(text), { x: MARGIN, y, size, font, color: rgb(0, 0, 0) });
    y -= size * 1.5;
  };
  line(r.vendorName, 18, bold);
  line('Receipt for postage funding', 13, bold);
  y -= 10;
  for (const l of [r.customer.name || r.customer.username, r.customer.company, ...r.customer.addressLines].filter(Boolean)) line(l);
  line(`Account: ${r.customer.username}`);
  y -= 10;
  drawRows(page, bold, regular, clean, y, rows(r));
  return doc.save({ useObjectStreams: false });
}

function rows(r: FundingReceipt): [string, string][] {
  const out: [string, string][] = [
    ['Receipt number', r.receiptNumber],
    ['Amount', dollars(r.amountMills)],
    r.card
      ? ['Paid by', 'Card, through Stripe']
      : ['Paid by', `ACH debit, ${r.account?.accountType ?? ''} account ending ${r.account?.last4 ?? ''} (routing ${r.account?.routing ?? ''})`],
    ['Requested', time(r.requestedAt)],
    ['Credited to the meter', time(r.settledAt)],
    r.card ? ['Stripe payment', r.card.paymentIntentId] : ['ACH trace number', r.traceNumber ?? ''],
  ];
  if (r.returned)
    out.push([
      r.card ? 'Disputed or refunded' : 'Returned by the bank',
      `${day(r.returned.at)}, reason ${r.returned.code}; ${dollars(r.returned.owedMills)} owed`,
    ]);
  return out;
}

function drawRows(page: PDFPage, bold: PDFFont, regular: PDFFont, clean: (s: string) => string, top: number, list: readonly [string, string][]): void {
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
