import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';

// A local stand-in for the part of Stripe's API the card funding path calls through the official
// SDK: PaymentIntent create, confirm and retrieve, with Idempotency-Key replay, answering
// Stripe-shaped JSON. Stripe's test PaymentMethods decide the outcome: `pm_card_visa` succeeds,
// `pm_card_chargeDeclined` is declined (a 402 card_error), `pm_card_authenticationRequired` needs
// 3-D Secure. It also signs webhook events as Stripe does, for STRIPE_WEBHOOK_SECRET.

export interface StandInIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  payment_method: string | null;
  metadata: Record<string, string>;
  description: string | null;
  last_payment_error: Record<string, unknown> | null;
  latest_charge: string | null;
  livemode: false;
  created: number;
}

export interface StripeStandIn {
  /** http://127.0.0.1:PORT, for VAULTMETER_STRIPE_API_BASE */
  readonly base: string;
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly intents: Map<string, StandInIntent>;
  /** Every request it answered, in order: method, path, idempotency key. */
  readonly calls: { method: string; path: string; idempotencyKey: string | null }[];
  /** The next `n` requests answer 500 (the SDK retries, then gives up). */
  failNext(n: number): void;
  /** A webhook event about an object, with its Stripe-Signature header, as Stripe would send it. */
  signedEvent(type: string, object: Record<string, unknown>, secret?: string): { body: string; signature: string };
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** Stripe's form encoding back into an object (`metadata[requestId]=...` → { metadata: { requestId } }). */
function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    let at = out;
    path.forEach((k, i) => {
      if (i === path.length - 1) at[k] = value;
      else at = (at[k] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

function cardError(pi: StandInIntent): { status: number; body: unknown } {
  const error = {
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
  };
  pi.status = 'requires_payment_method';
  pi.last_payment_error = { ...error, payment_method: { id: pi.payment_method, object: 'payment_method' } };
  return { status: 402, body: { error: { ...error, payment_intent: { ...pi } } } };
}

function confirm(pi: StandInIntent): { status: number; body: unknown } {
  if (pi.status === 'succeeded') return invalid(`This PaymentIntent's payment_method could not be updated because it has a status of succeeded.`);
  switch (pi.payment_method) {
    case 'pm_card_visa':
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      pi.latest_charge = id('ch');
      pi.last_payment_error = null;
      return { status: 200, body: pi };
    case 'pm_card_chargeDeclined':
      return cardError(pi);
    case 'pm_card_authenticationRequired':
      pi.status = 'requires_action';
      return { status: 200, body: pi };
    default:
      return invalid(`No such PaymentMethod: '${pi.payment_method}'`, 'payment_method');
  }
}

function invalid(message: string, param?: string): { status: number; body: unknown } {
  return { status: 400, body: { error: { type: 'invalid_request_error', message, ...(param ? { param, code: 'resource_missing' } : {}) } } };
}

function createIntent(params: Record<string, unknown>): StandInIntent {
  return {
    id: id('pi'),
    object: 'payment_intent',
    amount: Number(params.amount),
    amount_received: 0,
    currency: String(params.currency ?? 'usd'),
    status: params.payment_method ? 'requires_confirmation' : 'requires_payment_method',
    payment_method: typeof params.payment_method === 'string' ? params.payment_method : null,
    metadata: (params.metadata ?? {}) as Record<string, string>,
    description: typeof params.description === 'string' ? params.description : null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
  };
}

interface StandInState {
  readonly secretKey: string;
  readonly intents: Map<string, StandInIntent>;
  readonly calls: StripeStandIn['calls'];
  readonly replays: Map<string, { status: number; body: unknown }>;
  failing: number;
}

function route(state: StandInState, method: string, path: string, params: Record<string, unknown>): { status: number; body: unknown } {
  if (method === 'POST' && path === '/v1/payment_intents') {
    if (!(Number(params.amount) > 0)) return invalid('Missing required param: amount.', 'amount');
    const pi = createIntent(params);
    state.intents.set(pi.id, pi);
    return params.confirm === 'true' ? confirm(pi) : { status: 200, body: pi };
  }
  const m = /^\/v1\/payment_intents\/(pi_[0-9a-f]+)(\/confirm)?$/.exec(path);
  const pi = m ? state.intents.get(m[1]!) : undefined;
  if (!m || !pi) return { status: 404, body: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } } };
  if (method === 'GET' && !m[2]) return { status: 200, body: pi };
  if (method === 'POST' && m[2]) return confirm(pi);
  return { status: 405, body: { error: { type: 'invalid_request_error', message: 'method not allowed' } } };
}

async function handle(state: StandInState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
  state.calls.push({ method: req.method ?? '', path: url.pathname, idempotencyKey: key });
  const send = (status: number, body: unknown, replayed = false) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req'), ...(replayed ? { 'idempotent-replayed': 'true' } : {}) });
    res.end(JSON.stringify(body));
  };
  if (req.headers.authorization !== `Bearer ${state.secretKey}`)
    return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
  if (state.failing > 0) {
    state.failing--;
    return send(500, { error: { type: 'api_error', message: 'The stand-in is failing on purpose.' } });
  }
  const replayKey = key ? `${req.method} ${key}` : null;
  const stored = replayKey ? state.replays.get(replayKey) : undefined;
  if (stored) return send(stored.status, stored.body, true);
  const answer = route(state, req.method ?? '', url.pathname, parseForm(Buffer.concat(chunks).toString('utf8')));
  // Stripe keeps the first answer under the key; a snapshot, since the intent moves on.
  if (replayKey) state.replays.set(replayKey, JSON.parse(JSON.stringify(answer)) as { status: number; body: unknown });
  send(answer.status, answer.body);
}

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const state: StandInState = {
    secretKey: `sk_test_${randomBytes(12).toString('hex')}`,
    intents: new Map(),
    calls: [],
    replays: new Map(),
    failing: 0,
  };
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: String(e) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stripe = new Stripe(state.secretKey);

  return {
    base: `http://127.0.0.1:${port}`,
    secretKey: state.secretKey,
    webhookSecret,
    intents: state.intents,
    calls: state.calls,
    failNext: (n) => {
      state.failing = n;
    },
    signedEvent: (type, object, secret = webhookSecret) => {
      const body = JSON.stringify({
        id: id('evt'),
        object: 'event',
        api_version: Stripe.API_VERSION,
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        type,
        data: { object },
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
      });
      return { body, signature: stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
