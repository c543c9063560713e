import Stripe from 'stripe';
import { STRIPE_MAX_NETWORK_RETRIES, STRIPE_TIMEOUT_MS } from '../../constants.js';
import { fail, VaultError } from '../../errors.js';
import { cardCode, millsToCents, type CardCharge, type CardChargeRequest, type CardEvent, type CardPayments } from './port.js';

// Card payments through Stripe's official SDK. Only the API server builds one, and only with
// STRIPE_SECRET_KEY in its environment (the supervisor hands it to no other process). In tests the
// SDK points at a local stand-in (VAULTMETER_STRIPE_API_BASE); live card payments need a Stripe
// account and its keys.

export interface StripeSettings {
  readonly secretKey: string;
  /** The webhook endpoint's signing secret (whsec_...); without it the webhook answers card_payments_disabled. */
  readonly webhookSecret: string | null;
  /** Another API host than api.stripe.com (a stand-in for tests): the SDK's host, port and protocol. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
}

/** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and VAULTMETER_STRIPE_API_BASE; null when there is no secret key (cards off). */
export function stripeSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): StripeSettings | null {
  const secretKey = env.STRIPE_SECRET_KEY?.trim();
  if (!secretKey) return null;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.trim() || null;
  const base = env.VAULTMETER_STRIPE_API_BASE?.trim();
  if (!base) return { secretKey, webhookSecret };
  return { secretKey, webhookSecret, ...apiBase(base) };
}

/** `http://127.0.0.1:12345` into the SDK's options. */
export function apiBase(raw: string): { host: string; port: number; protocol: 'http' | 'https' } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('VAULTMETER_STRIPE_API_BASE must be a URL such as http://127.0.0.1:12111');
  }
  const protocol = url.protocol === 'http:' ? 'http' : url.protocol === 'https:' ? 'https' : null;
  if (!protocol || url.pathname.replace(/\/$/, '') !== '' || url.search || url.username)
    throw new Error('VAULTMETER_STRIPE_API_BASE must be http(s)://host[:port], with no path, query or credentials');
  return { host: url.hostname, port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80, protocol };
}

const meta = (pi: Stripe.PaymentIntent) => pi.metadata ?? {};

export class StripeCardPayments implements CardPayments {
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    this.stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: STRIPE_MAX_NETWORK_RETRIES,
      timeout: STRIPE_TIMEOUT_MS,
      telemetry: false,
      appInfo: { name: 'vaultmeter' },
      ...(settings.host ? { host: settings.host, port: settings.port, protocol: settings.protocol } : {}),
    });
  }

  async charge(req: CardChargeRequest): Promise<CardCharge> {
    try {
      // The request id is Stripe's idempotency key: a retry (ours, or the SDK's) gets the same PaymentIntent back.
      let pi = await this.stripe.paymentIntents.create(
        {
          amount: millsToCents(req.amountMills),
          currency: 'usd',
          payment_method: req.paymentMethod,
          // Confirmed here, by the server: no redirect-based method (there is no return_url to come back to).
          automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          description: `Postage funding ${req.requestId}`,
          metadata: { meterId: req.meterId, requestId: req.requestId },
        },
        { idempotencyKey: req.requestId },
      );
      if (pi.status === 'requires_confirmation' || pi.status === 'requires_payment_method')
        pi = await this.stripe.paymentIntents.confirm(pi.id, {}, { idempotencyKey: `${req.requestId}-confirm` });
      return outcomeOf(pi);
    } catch (e) {
      return failureOf(e);
    }
  }

  verifyEvent(rawBody: Buffer, signature: string | undefined): CardEvent {
    const secret = this.settings.webhookSecret;
    if (!secret) fail('card_payments_disabled', 'STRIPE_WEBHOOK_SECRET is not set on this server: no webhook is accepted');
    if (!signature) fail('webhook_signature_invalid', 'the Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, secret);
    } catch (e) {
      return fail('webhook_signature_invalid', `the event does not verify: ${(e as Error).message}`);
    }
    return eventOf(event);
  }
}

function outcomeOf(pi: Stripe.PaymentIntent): CardCharge {
  if (pi.status === 'succeeded') return { outcome: 'succeeded', paymentIntentId: pi.id };
  if (pi.status === 'canceled' || pi.status === 'requires_payment_method') {
    const err = pi.last_payment_error;
    return {
      outcome: 'failed',
      paymentIntentId: pi.id,
      code: cardCode(err?.code ?? (pi.status === 'canceled' ? 'canceled' : null)),
      declineCode: err?.decline_code ?? null,
      message: err?.message ?? `the payment is ${pi.status}`,
    };
  }
  return { outcome: 'incomplete', paymentIntentId: pi.id, status: pi.status };
}

/** A card error or a refused request is a failed payment; anything else means the processor could not answer. */
function failureOf(e: unknown): CardCharge {
  if (e instanceof Stripe.errors.StripeCardError || e instanceof Stripe.errors.StripeInvalidRequestError) {
    const pi = e.payment_intent;
    if (pi?.status === 'succeeded') return { outcome: 'succeeded', paymentIntentId: pi.id };
    return {
      outcome: 'failed',
      paymentIntentId: pi?.id ?? null,
      code: e instanceof Stripe.errors.StripeCardError ? cardCode(e.code) : 'card_invalid',
      declineCode: e.decline_code ?? null,
      message: e.message,
    };
  }
  if (e instanceof Stripe.errors.StripeError)
    throw new VaultError('card_processor_unavailable', `the card processor answered ${e.type}: ${e.message}`, { stripeRequestId: e.requestId ?? null });
  throw new VaultError('card_processor_unavailable', `the card processor could not be reached: ${(e as Error).message}`);
}

function eventOf(event: Stripe.Event): CardEvent {
  const eventId = event.id;
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const pi = event.data.object;
      const { requestId = null, meterId = null } = meta(pi);
      return { kind: 'succeeded', eventId, paymentIntentId: pi.id, requestId, meterId, amountCents: pi.amount_received || pi.amount };
    }
    case 'payment_intent.payment_failed': {
      const pi = event.data.object;
      const err = pi.last_payment_error;
      const { requestId = null, meterId = null } = meta(pi);
      return { kind: 'failed', eventId, paymentIntentId: pi.id, requestId, meterId, code: cardCode(err?.code) };
    }
    case 'charge.dispute.created': {
      const pi = event.data.object.payment_intent;
      const id = typeof pi === 'string' ? pi : (pi?.id ?? null);
      return id ? { kind: 'disputed', eventId, paymentIntentId: id } : { kind: 'ignored', eventId, type: event.type };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const pi = charge.payment_intent;
      const id = typeof pi === 'string' ? pi : (pi?.id ?? null);
      // A charge made by our PaymentIntent may carry its metadata: then it must name the same meter.
      const meterId = charge.metadata?.meterId ?? null;
      return id ? { kind: 'refunded', eventId, paymentIntentId: id, meterId } : { kind: 'ignored', eventId, type: event.type };
    }
    default:
      return { kind: 'ignored', eventId, type: event.type };
  }
}
