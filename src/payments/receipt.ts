import { customerLines, day, dollars, drawRows, moneyPage, time, type DocumentCustomer } from './pdf-parts.js';

// A customer's receipt for a funding that settled: one Letter page, built from the ledger's rows.
// Pure: every date comes in, and the PDF carries no creation time of its own, so the same funding
// always gives the same bytes.

export interface FundingReceipt {
  /** The funding request id: the receipt's number. */
  readonly receiptNumber: string;
  readonly vendorName: string;
  readonly customer: DocumentCustomer;
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

export async function receiptPdf(r: FundingReceipt): Promise<Uint8Array> {
  const m = await moneyPage(`Receipt ${r.receiptNumber}`);
  m.line(r.vendorName, 18, m.bold);
  m.line('Receipt for postage funding', 13, m.bold);
  m.skip(10);
  for (const l of customerLines(r.customer)) m.line(l);
  m.skip(10);
  drawRows(m.page, m.bold, m.regular, m.clean, m.y(), rows(r));
  return m.doc.save({ useObjectStreams: false });
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
