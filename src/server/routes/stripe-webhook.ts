import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_STRIPE_WEBHOOK_BYTES } from '../../constants.js';
import { handleCardWebhook } from '../../services/index.js';
import type { ServerContext } from '../context.js';
import { answers } from '../schemas.js';

// Stripe's webhook: the card payments that finish after the request (settled, or failed: cancelled)
// and the money that goes back after settlement (a dispute, a refund: owed, and the meter
// suspended, as an ACH return). The signature is checked over the exact bytes Stripe sent, so this
// plugin reads JSON bodies as a raw Buffer (its own encapsulated parser; no other route sees it).

const WebhookDone = Type.Object({
  received: Type.Literal(true),
  eventId: Type.String(),
  outcome: Type.Union([Type.Literal('settled'), Type.Literal('cancelled'), Type.Literal('owed'), Type.Literal('refused'), Type.Literal('unchanged')]),
  requestId: Type.Union([Type.String(), Type.Null()]),
});

export function stripeWebhookRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_STRIPE_WEBHOOK_BYTES }, (_request, body, done) => done(null, body));
    app.post(
      '/v1/webhooks/stripe',
      {
        bodyLimit: MAX_STRIPE_WEBHOOK_BYTES,
        schema: {
          summary: "Stripe's events for card funding (signed with STRIPE_WEBHOOK_SECRET)",
          description:
            'payment_intent.succeeded settles a card funding request still waiting, payment_intent.payment_failed cancels it, charge.dispute.created and charge.refunded after settlement record the amount as owed and suspend the meter. The body is the raw event; an event whose Stripe-Signature does not verify is refused (webhook_signature_invalid) and changes nothing, and so is one whose PaymentIntent metadata names another meter than the funding request it resolves to (webhook_meter_mismatch). A replayed event changes nothing.',
          tags: ['payments'],
          response: answers(WebhookDone),
        },
      },
      async (request) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const signature = request.headers['stripe-signature'];
        const outcome = await handleCardWebhook(ctx, raw, typeof signature === 'string' ? signature : undefined);
        return { received: true as const, ...outcome };
      },
    );
  };
}
