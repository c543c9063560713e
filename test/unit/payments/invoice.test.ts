import { describe, expect, it } from 'vitest';
import { draftInvoice, invoicePdf, monthBounds, PRICING_PLANS } from '../../../src/payments/index.js';
import { pdfText } from '../labels/fixtures.js';

describe('pricing plans and invoices', () => {
  it('a month is its UTC bounds, December into January', () => {
    expect(monthBounds('2026-12')).toEqual({ start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(() => monthBounds('2026-13')).toThrow(RangeError);
  });

  it('an invoice is the monthly fee plus the per-label fee times the labels, in exact mills', () => {
    const d = draftInvoice('standard', '2026-11', 1234);
    expect(d.lines.map((l) => [l.quantity, l.unitMills, l.amountMills])).toEqual([
      [1, '15990', '15990'],
      [1234, '10', '12340'],
    ]);
    expect(d.totalMills).toBe(28_330n);
    expect(draftInvoice('pay_as_you_go', '2026-11', 0).totalMills).toBe(0n);
    expect(draftInvoice('business', '2026-11', 10_000).totalMills).toBe(PRICING_PLANS.business.monthlyFeeMills);
  });

  it('every fee is whole cents, so an invoice never shows a fraction of a cent', () => {
    for (const p of Object.values(PRICING_PLANS)) {
      expect(p.monthlyFeeMills % 10n).toBe(0n);
      expect(p.perLabelFeeMills % 10n).toBe(0n);
    }
  });

  it('the PDF shows the customer, the lines and the total, and the same invoice gives the same bytes', async () => {
    const d = draftInvoice('standard', '2026-11', 3);
    const doc = {
      invoiceNumber: '6f1c2d3e-0000-4000-8000-000000000001',
      vendorName: 'Vaultmeter Postage',
      customer: { username: 'ann', name: 'Ann Lee', company: 'Lee Co', addressLines: ['1 Main St', 'Long Beach, CA 90807'] },
      month: '2026-11',
      plan: d.plan,
      issuedAt: new Date('2026-12-01T03:00:00Z'),
      lines: d.lines,
      totalMills: d.totalMills,
    };
    const bytes = await invoicePdf(doc);
    expect(Buffer.from(await invoicePdf(doc)).equals(Buffer.from(bytes))).toBe(true);
    const text = (await pdfText(Buffer.from(bytes))).replace(/\s+/g, ' ');
    for (const s of ['Invoice for 2026-11', 'Ann Lee', 'Lee Co', 'Account: ann', 'Standard plan, 2026-11', '$15.99', '3 x $0.01', '$0.03', 'Total', '$16.02'])
      expect(text).toContain(s);
  });
});
