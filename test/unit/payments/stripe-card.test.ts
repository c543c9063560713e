import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultError } from '../../../src/errors.js';
import { apiBase, StripeCardPayments } from '../../../src/services/index.js';
import { startStripeStandIn, type StripeStandIn } from '../../helpers/stripe-standin.js';

// The Stripe adapter through the official SDK, against the local stand-in: what the API server does
// with a card, without the rest of the system.

const req = (requestId: string, paymentMethod: string, amountMills = 25_000n) => ({
  requestId,
  meterId: '00000000-0000-4000-8000-000000000001',
  amountMills,
  paymentMethod,
});

describe('StripeCardPayments (the stripe SDK against the stand-in)', () => {
  let standIn: StripeStandIn;
  let cards: StripeCardPayments;
  beforeAll(async () => {
    standIn = await startStripeStandIn();
    cards = new StripeCardPayments({ secretKey: standIn.secretKey, webhookSecret: standIn.webhookSecret, ...apiBase(standIn.base) });
  });
  afterAll(() => standIn?.close());

  it('charges pm_card_visa once per request id: a retry gets the same PaymentIntent', async () => {
    const first = await cards.charge(req('a'.repeat(32), 'pm_card_visa'));
    expect(first).toMatchObject({ outcome: 'succeeded' });
    const again = await cards.charge(req('a'.repeat(32), 'pm_card_visa'));
    expect(again).toEqual(first);
    const created = [...standIn.intents.values()].filter((pi) => pi.metadata.requestId === 'a'.repeat(32));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      amount: 2_500,
      currency: 'usd',
      status: 'succeeded',
      metadata: { requestId: 'a'.repeat(32), meterId: req('a', 'x').meterId },
    });
    expect(standIn.calls.filter((c) => c.path === '/v1/payment_intents').every((c) => c.idempotencyKey === 'a'.repeat(32))).toBe(true);
  });

  it('reports a decline as a failed payment with its code and PaymentIntent', async () => {
    const r = await cards.charge(req('b'.repeat(32), 'pm_card_chargeDeclined'));
    expect(r).toMatchObject({ outcome: 'failed', code: 'card_declined', declineCode: 'generic_decline' });
    expect(r.outcome === 'failed' && r.paymentIntentId?.startsWith('pi_')).toBe(true);
    expect(await cards.charge(req('c'.repeat(32), 'pm_card_authenticationRequired'))).toMatchObject({ outcome: 'incomplete', status: 'requires_action' });
    expect(await cards.charge(req('d'.repeat(32), 'pm_nonexistent'))).toMatchObject({ outcome: 'failed', code: 'card_invalid' });
  });

  it('a processor that keeps failing is card_processor_unavailable, and the retry charges once', async () => {
    standIn.failNext(3);
    const e = await cards.charge(req('e'.repeat(32), 'pm_card_visa')).catch((x: unknown) => x);
    expect(e instanceof VaultError ? e.code : e).toBe('card_processor_unavailable');
    expect(await cards.charge(req('e'.repeat(32), 'pm_card_visa'))).toMatchObject({ outcome: 'succeeded' });
    expect([...standIn.intents.values()].filter((pi) => pi.metadata.requestId === 'e'.repeat(32))).toHaveLength(1);
  }, 30_000);

  it('verifies webhook signatures over the raw body', () => {
    const pi = [...standIn.intents.values()][0]!;
    const { body, signature } = standIn.signedEvent('payment_intent.succeeded', { ...pi });
    expect(cards.verifyEvent(Buffer.from(body), signature)).toMatchObject({
      kind: 'succeeded',
      paymentIntentId: pi.id,
      requestId: 'a'.repeat(32),
      meterId: req('a', 'x').meterId,
      amountCents: 2_500,
    });
    const code = (f: () => unknown) => {
      try {
        f();
        return null;
      } catch (x) {
        return x instanceof VaultError ? x.code : x;
      }
    };
    expect(code(() => cards.verifyEvent(Buffer.from(body.replace('2500', '9999')), signature))).toBe('webhook_signature_invalid');
    expect(code(() => cards.verifyEvent(Buffer.from(body), undefined))).toBe('webhook_signature_invalid');
    const forged = standIn.signedEvent('payment_intent.succeeded', { ...pi }, 'whsec_not_ours');
    expect(code(() => cards.verifyEvent(Buffer.from(forged.body), forged.signature))).toBe('webhook_signature_invalid');
    const dispute = standIn.signedEvent('charge.dispute.created', { id: 'dp_1', object: 'dispute', payment_intent: pi.id, charge: 'ch_1' });
    expect(cards.verifyEvent(Buffer.from(dispute.body), dispute.signature)).toMatchObject({ kind: 'disputed', paymentIntentId: pi.id });
    // A refund's charge may carry the PaymentIntent's metadata; a dispute does not.
    const refund = standIn.signedEvent('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: pi.id, metadata: { meterId: 'm-1' } });
    expect(cards.verifyEvent(Buffer.from(refund.body), refund.signature)).toEqual({
      kind: 'refunded',
      eventId: expect.any(String),
      paymentIntentId: pi.id,
      meterId: 'm-1',
    });
    const other = standIn.signedEvent('customer.created', { id: 'cus_1', object: 'customer' });
    expect(cards.verifyEvent(Buffer.from(other.body), other.signature)).toMatchObject({ kind: 'ignored', type: 'customer.created' });
    const noSecret = new StripeCardPayments({ secretKey: standIn.secretKey, webhookSecret: null, ...apiBase(standIn.base) });
    expect(code(() => noSecret.verifyEvent(Buffer.from(body), signature))).toBe('card_payments_disabled');
  });
});
