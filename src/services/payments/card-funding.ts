import { CARD_CHARGE_MAX_AGE_MS, MAX_STRANDED_CARDS_PER_RUN, STRANDED_CARD_CONCURRENCY, STRANDED_CARD_MIN_AGE_MS } from '../../constants.js';
import { fail, VaultError } from '../../errors.js';
import { repo } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import type { CardEvent, CardPayments } from './port.js';
import { debitOp, eachBounded, type DebitOutcomeView } from './settlement.js';

// Card funding. The customer's MAC'd `fund_request` (method `card`) puts a pending card debit in
// the package, as an ACH request does; then the server charges the PaymentMethod it names (one
// PaymentIntent, keyed by the request id) and, once the payment succeeded, has the module settle the
// debit at once (a card payment has no hold). A failed payment cancels the debit. Stripe's webhook
// does the same for payments that finish later, and turns a dispute or a refund of a settled
// payment into a return: the amount is owed and the meter suspended, as an ACH return.

export interface CardFundingResult {
  readonly requestId: string;
  readonly status: repo.FundingStatus;
  readonly paymentIntentId: string | null;
  /** When the payment failed: its card_* code, and the issuer's decline code. */
  readonly returnCode: string | null;
  readonly declineCode?: string | null;
  readonly message?: string;
  /** When the payment waits for the cardholder (3-D Secure) or the processor: Stripe's status. */
  readonly paymentStatus?: string;
}

function cards(ctx: ServiceContext): CardPayments {
  if (!ctx.card) fail('card_payments_disabled', 'card payments are not configured on this server (STRIPE_SECRET_KEY is unset); fund by ACH');
  return ctx.card;
}

const resultOf = (r: repo.FundingRequestRow): CardFundingResult => ({
  requestId: r.requestId,
  status: r.status,
  paymentIntentId: r.paymentIntentId,
  returnCode: r.returnCode,
});

/** A module refusal that means another path (the webhook, a retry) got there first: read where the request stands. */
async function after(ctx: ServiceContext, r: repo.FundingRequestRow, o: DebitOutcomeView): Promise<repo.FundingRequestRow> {
  if (o.outcome === 'refused' && o.code !== 'funding_request_unknown') fail('funding_refused', `the module refused the card funding: ${o.code ?? 'refused'}`);
  return (await repo.findFundingRequest(ctx.db, r.requestId)) ?? r;
}

/**
 * Charge a card funding request and settle or cancel it. Idempotent: a request that already settled
 * or failed is only reported, and a retry of one still waiting reuses its PaymentIntent.
 */
export async function completeCardFunding(ctx: ServiceContext, meterId: string, requestId: string): Promise<CardFundingResult> {
  const row = await repo.findFundingRequest(ctx.db, requestId);
  if (!row || row.meterId !== meterId || row.method !== 'card') fail('not_found', 'no such card funding request on this meter');
  if (row.status !== 'requested') return resultOf(row);
  // Past Stripe's idempotency window the same key could create a second PaymentIntent: no new charge, the webhook finishes it.
  if (Date.now() - row.requestedAt.getTime() > CARD_CHARGE_MAX_AGE_MS) return { ...resultOf(row), paymentStatus: 'unconfirmed' };
  await inService(ctx, meterId);
  const charge = await cards(ctx).charge({ requestId, meterId, amountMills: row.amountMills, paymentMethod: row.paymentMethod ?? '' });
  if (charge.outcome === 'succeeded') {
    return resultOf(await after(ctx, row, await debitOp(ctx, row, 'settle', undefined, charge.paymentIntentId)));
  }
  if (charge.outcome === 'failed') {
    const done = await after(ctx, row, await debitOp(ctx, row, 'cancel', charge.code, charge.paymentIntentId ?? undefined));
    return { ...resultOf(done), declineCode: charge.declineCode, message: charge.message };
  }
  return { ...resultOf(row), paymentIntentId: charge.paymentIntentId, paymentStatus: charge.status };
}

/**
 * The module would refuse to settle a payment for a revoked or withdrawn meter: its card is not
 * charged at all (a retry, or a payments run, would otherwise take money it can never credit).
 */
async function inService(ctx: ServiceContext, meterId: string): Promise<void> {
  const status = (await repo.getMeter(ctx.db, meterId))?.status;
  if (status === 'revoked' || status === 'withdrawn') fail('funding_refused', `the meter is ${status}: the card is not charged`);
}

export interface WebhookOutcome {
  readonly eventId: string;
  /** What the event did: `settled`, `cancelled`, `owed`, or `unchanged` (a replay, an event about nothing of ours). */
  readonly outcome: DebitOutcomeView['outcome'] | 'unchanged';
  readonly requestId: string | null;
}

/** A Stripe webhook: verified over its raw body, then applied once (a replayed event finds the request moved on). */
export async function handleCardWebhook(ctx: ServiceContext, rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
  const event = cards(ctx).verifyEvent(rawBody, signature);
  const row = await rowOf(ctx, event);
  const unchanged = { eventId: event.eventId, outcome: 'unchanged' as const, requestId: row?.requestId ?? null };
  if (!row || row.method !== 'card') return unchanged;
  sameMeter(event, row);
  if (row.status === 'returned') return unchanged;
  let o: DebitOutcomeView;
  if (event.kind === 'succeeded') {
    // The payment must be exactly the request's amount (cents * 10 = mills).
    if (row.status !== 'requested' || BigInt(event.amountCents) * 10n !== row.amountMills) return unchanged;
    o = await debitOp(ctx, row, 'settle', undefined, event.paymentIntentId);
  } else if (event.kind === 'failed') {
    if (row.status !== 'requested') return unchanged;
    o = await debitOp(ctx, row, 'cancel', event.code, event.paymentIntentId);
  } else if (event.kind === 'disputed' || event.kind === 'refunded') {
    o = await debitOp(ctx, row, 'return', event.kind === 'disputed' ? 'card_disputed' : 'card_refunded', event.paymentIntentId);
  } else {
    return unchanged;
  }
  if (o.outcome === 'refused') {
    // Another path settled or cancelled it meanwhile: a replay in effect.
    if (o.code === 'funding_request_unknown') return unchanged;
    throw new VaultError('funding_refused', `the module refused the event's change: ${o.code ?? 'refused'}`);
  }
  return { eventId: event.eventId, outcome: o.outcome, requestId: row.requestId };
}

/**
 * The meter the PaymentIntent's metadata names (set at its creation) must be the request's own: an
 * event that resolves to one meter's request while naming another (a forged or crossed event, another
 * installation sharing the Stripe account) changes nothing. A dispute carries no metadata of the
 * PaymentIntent; it is found by the PaymentIntent our own settlement recorded.
 */
function sameMeter(event: CardEvent, row: repo.FundingRequestRow): void {
  if (event.kind === 'ignored') return;
  const named = event.meterId ?? null;
  const required = event.kind === 'succeeded' || event.kind === 'failed';
  if (named === row.meterId || (!required && named === null)) return;
  fail('webhook_meter_mismatch', `the event's PaymentIntent names meter ${named ?? '(none)'}, not the meter of funding request ${row.requestId}`, {
    requestId: row.requestId,
    paymentIntentId: event.paymentIntentId,
  });
}

/** The request an event names: by the PaymentIntent's metadata (set at creation) or, after settlement, by the PaymentIntent. */
async function rowOf(ctx: ServiceContext, event: CardEvent): Promise<repo.FundingRequestRow | null> {
  if (event.kind === 'ignored') return null;
  const byIntent = await repo.findFundingByPaymentIntent(ctx.db, event.paymentIntentId);
  if (byIntent) return byIntent;
  if ((event.kind === 'succeeded' || event.kind === 'failed') && event.requestId && /^[0-9a-f]{32}$/.test(event.requestId))
    return repo.findFundingRequest(ctx.db, event.requestId);
  return null;
}

/** What a payments run did with one stranded card request. `pending`: it still waits on the cardholder or Stripe. */
export interface CardSweepView {
  readonly requestId: string;
  readonly meterId: string;
  readonly outcome: 'settled' | 'cancelled' | 'pending' | 'failed';
  readonly amountMills: string;
  /** The card_* code of a cancellation, Stripe's status of a pending payment, or the error of a failure. */
  readonly code?: string;
}

/**
 * Finish the card requests a server left between the commit and the charge, exactly as the
 * customer's retry would (completeCardFunding: the same Stripe idempotency key, so never a second
 * charge). Only requests old enough that no live request is still charging them, and young enough
 * that Stripe still knows their key; bounded per run. One failure is reported and the rest go on.
 */
export async function sweepStrandedCards(ctx: ServiceContext, now = new Date()): Promise<CardSweepView[]> {
  if (!ctx.card) return [];
  const newest = new Date(now.getTime() - STRANDED_CARD_MIN_AGE_MS);
  const oldest = new Date(now.getTime() - CARD_CHARGE_MAX_AGE_MS);
  const rows = await repo.strandedCardRequests(ctx.db, newest, oldest, MAX_STRANDED_CARDS_PER_RUN);
  return eachBounded(rows, STRANDED_CARD_CONCURRENCY, (r) => sweepOne(ctx, r));
}

async function sweepOne(ctx: ServiceContext, r: repo.FundingRequestRow): Promise<CardSweepView> {
  const base = { requestId: r.requestId, meterId: r.meterId, amountMills: r.amountMills.toString() };
  try {
    const done = await completeCardFunding(ctx, r.meterId, r.requestId);
    if (done.status === 'settled') return { ...base, outcome: 'settled' };
    if (done.status === 'returned') return { ...base, outcome: 'cancelled', ...(done.returnCode ? { code: done.returnCode } : {}) };
    return { ...base, outcome: 'pending', ...(done.paymentStatus ? { code: done.paymentStatus } : {}) };
  } catch (e) {
    // Stripe down, a settlement the module refused (funding_refused), a lost database connection: the next run tries again.
    return { ...base, outcome: 'failed', code: e instanceof VaultError ? e.code : 'internal' };
  }
}
