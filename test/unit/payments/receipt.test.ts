import { describe, expect, it } from 'vitest';
import { receiptPdf, type FundingReceipt } from '../../../src/payments/index.js';
import { pdfText } from '../labels/fixtures.js';

const receipt: FundingReceipt = {
  receiptNumber: 'ab'.repeat(16),
  vendorName: 'VAULTMETER',
  customer: { username: 'ann', name: 'Ann Example', company: 'Example Widgets Ltd', addressLines: ['1 Main St Apt 4', 'Long Beach, CA 90807'] },
  amountMills: 1_234_560n,
  requestedAt: new Date(Date.UTC(2026, 10, 27, 9, 30)),
  settledAt: new Date(Date.UTC(2026, 10, 30, 9, 31)),
  account: { routing: '021000021', last4: '4567', accountType: 'checking' },
  traceNumber: '011000010000042',
};

describe('the funding receipt PDF', () => {
  it('reads back with the amount, the account, the dates and the numbers', async () => {
    const text = (await pdfText(Buffer.from(await receiptPdf(receipt)))).replace(/\s+/g, ' ');
    for (const s of [
      'Receipt for postage funding',
      'Ann Example',
      'Example Widgets Ltd',
      'Long Beach, CA 90807',
      `Receipt number ${'ab'.repeat(16)}`,
      'Amount $1,234.56',
      'checking account ending 4567 (routing 021000021)',
      'Credited to the meter 2026-11-30 09:31:00 UTC',
      'ACH trace number 011000010000042',
    ])
      expect(text).toContain(s);
    expect(text).not.toContain('Returned');
  });

  it('is the same bytes for the same funding (no clock inside), and says so when the bank returned it', async () => {
    expect(Buffer.from(await receiptPdf(receipt)).equals(Buffer.from(await receiptPdf(receipt)))).toBe(true);
    const returned = await receiptPdf({ ...receipt, returned: { code: 'R01', at: new Date(Date.UTC(2026, 11, 2)), owedMills: 1_234_560n } });
    expect((await pdfText(Buffer.from(returned))).replace(/\s+/g, ' ')).toContain('Returned by the bank 2026-12-02, reason R01; $1,234.56 owed');
  });

  it('names a card payment by its Stripe PaymentIntent, with no account', async () => {
    const { account: _account, traceNumber: _trace, ...rest } = receipt;
    const card = { ...rest, card: { paymentIntentId: 'pi_123abc' } };
    const text = (await pdfText(Buffer.from(await receiptPdf(card)))).replace(/\s+/g, ' ');
    for (const s of ['Paid by Card, through Stripe', 'Stripe payment pi_123abc', 'Amount $1,234.56']) expect(text).toContain(s);
    expect(text).not.toContain('ACH');
    const disputed = await receiptPdf({ ...card, returned: { code: 'card_disputed', at: new Date(Date.UTC(2026, 11, 2)), owedMills: 1_234_560n } });
    expect((await pdfText(Buffer.from(disputed))).replace(/\s+/g, ' ')).toContain('Disputed or refunded 2026-12-02, reason card_disputed');
  });

  it('draws what the font cannot as ?', async () => {
    const text = await pdfText(Buffer.from(await receiptPdf({ ...receipt, customer: { ...receipt.customer, name: 'Zoë 山田' } })));
    expect(text).toContain('Zoë ??');
  });
});
