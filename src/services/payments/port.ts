import type { AchConfig } from './ach-config.js';

// The payment port: how a customer's funding request is paid. ACH debits are filed by this server
// itself (a NACHA file for the bank's transfer agent); card payments go through a card processor,
// Stripe's official SDK in production (stripe-card.ts), a stand-in in tests. The module never sees
// either: it only keeps the pending debit the customer's MAC asked for, and settles or cancels it.

/** What a card payment charges: the request's amount (whole cents), to the PaymentMethod the customer's MAC named. */
export interface CardChargeRequest {
  /** Also the processor's idempotency key: a retry never creates a second payment. */
  readonly requestId: string;
  readonly meterId: string;
  readonly amountMills: bigint;
  /** A Stripe PaymentMethod id (pm_...). */
  readonly paymentMethod: string;
}

export type CardCharge =
  | { readonly outcome: 'succeeded'; readonly paymentIntentId: string }
  /** Declined or refused: `code` is card_* (card_declined, card_invalid, ...), `declineCode` the issuer's reason when given. */
  | {
      readonly outcome: 'failed';
      readonly paymentIntentId: string | null;
      readonly code: string;
      readonly declineCode: string | null;
      readonly message: string;
    }
  /** Still waiting (3-D Secure, processing): the webhook settles or cancels it later. */
  | { readonly outcome: 'incomplete'; readonly paymentIntentId: string; readonly status: string };

/**
 * A verified processor event, in the terms the funding service acts on. `requestId` and `meterId`
 * are the PaymentIntent's metadata (null when it lacks them); a dispute or a refund carries the
 * meter only when its object has metadata of its own.
 */
export type CardEvent =
  | {
      readonly kind: 'succeeded';
      readonly eventId: string;
      readonly paymentIntentId: string;
      readonly requestId: string | null;
      readonly meterId: string | null;
      readonly amountCents: number;
    }
  | {
      readonly kind: 'failed';
      readonly eventId: string;
      readonly paymentIntentId: string;
      readonly requestId: string | null;
      readonly meterId: string | null;
      readonly code: string;
    }
  /** A dispute or a refund of a settled payment: the money went back to the cardholder. */
  | { readonly kind: 'disputed' | 'refunded'; readonly eventId: string; readonly paymentIntentId: string; readonly meterId?: string | null }
  | { readonly kind: 'ignored'; readonly eventId: string; readonly type: string };

export interface CardPayments {
  /** Create and confirm the payment (idempotent by request id). Throws `card_processor_unavailable` when the processor cannot answer. */
  charge(req: CardChargeRequest): Promise<CardCharge>;
  /** Check a webhook's signature over its raw body and read it; throws `webhook_signature_invalid` (or `card_payments_disabled` without a webhook secret). */
  verifyEvent(rawBody: Buffer, signature: string | undefined): CardEvent;
}

/** The two ways to pay: ACH (always there; its settings) and cards (null when STRIPE_SECRET_KEY is unset). */
export interface PaymentPort {
  readonly ach: AchConfig;
  /** Absent or null: card payments are off, and a card request is refused with `card_payments_disabled`. */
  readonly card?: CardPayments | null;
}

/** Card outcome codes the module and the ledger accept (`card_` + lowercase). */
export const CARD_CODE = /^card_[a-z_]{1,40}$/;

/** A processor's reason, as a card_* code. */
export function cardCode(raw: string | null | undefined, fallback = 'card_declined'): string {
  const c = (raw ?? '').toLowerCase().replace(/[^a-z_]/g, '_');
  if (!c) return fallback;
  const code = c.startsWith('card_') ? c : `card_${c}`;
  return CARD_CODE.test(code) ? code : fallback;
}

/** Mills to the processor's cents; a funding request is always whole cents (the module refuses anything else). */
export function millsToCents(mills: bigint): number {
  if (mills <= 0n || mills % 10n !== 0n) throw new RangeError('a card payment is a positive whole number of cents');
  return Number(mills / 10n);
}
