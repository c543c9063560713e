import type { InvoiceLine } from './invoice.js';
import { customerLines, day, dollars, drawRows, MARGIN, moneyPage, type DocumentCustomer } from './pdf-parts.js';
import type { PlanId } from './plans.js';

// A customer's monthly invoice for the vendor's fees (the plan and its per-label fee): one Letter
// page from the invoice's ledger row. Pure and deterministic, like the funding receipt.

export interface InvoiceDocument {
  readonly invoiceNumber: string;
  readonly vendorName: string;
  readonly customer: DocumentCustomer;
  readonly month: string;
  readonly plan: PlanId;
  readonly issuedAt: Date;
  readonly lines: readonly InvoiceLine[];
  readonly totalMills: bigint;
}

export async function invoicePdf(inv: InvoiceDocument): Promise<Uint8Array> {
  const m = await moneyPage(`Invoice ${inv.invoiceNumber}`);
  m.line(inv.vendorName, 18, m.bold);
  m.line(`Invoice for ${inv.month}`, 13, m.bold);
  m.skip(10);
  for (const l of customerLines(inv.customer)) m.line(l);
  m.skip(10);
  drawRows(m.page, m.bold, m.regular, m.clean, m.y(), [
    ['Invoice number', inv.invoiceNumber],
    ['Issued', day(inv.issuedAt)],
    ['Plan', inv.plan],
  ]);
  m.skip(3 * 18 + 14);
  for (const l of inv.lines) {
    const qty = l.quantity === 1 ? '' : `${l.quantity} x ${dollars(BigInt(l.unitMills))}  `;
    m.page.drawText(m.clean(l.description), { x: MARGIN, y: m.y(), size: 11, font: m.regular });
    m.page.drawText(m.clean(`${qty}${dollars(BigInt(l.amountMills))}`), { x: MARGIN + 300, y: m.y(), size: 11, font: m.regular });
    m.skip(18);
  }
  m.skip(6);
  m.page.drawText('Total', { x: MARGIN, y: m.y(), size: 12, font: m.bold });
  m.page.drawText(m.clean(dollars(inv.totalMills)), { x: MARGIN + 300, y: m.y(), size: 12, font: m.bold });
  m.skip(30);
  m.line('Fees for the service; postage itself is paid into your meter and is not on this invoice.', 9);
  return m.doc.save({ useObjectStreams: false });
}
