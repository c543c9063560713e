import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_ITEM_BYTES, MAX_LOCATION_LENGTH } from '../../constants.js';
import { repo } from '../../store/index.js';
import type { ServerContext } from '../context.js';
import { RateLimiter } from '../rate-limit.js';
import { redeem, verifyForPublic } from '../../services/index.js';
import { answers } from '../schemas.js';
import { Redeemed, Revocations, Verdict } from '../responses.js';

const ItemBody = Type.Object(
  {
    itemBase64: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: Math.ceil(MAX_ITEM_BYTES / 3) * 4 }),
    location: Type.Optional(Type.String({ maxLength: MAX_LOCATION_LENGTH, pattern: '^[\\x20-\\x7e]*$' })),
  },
  { additionalProperties: false },
);

/** Public verification, redemption and the revocation list (no login; rate-limited per address). */
export function verificationRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  const limiter = new RateLimiter();
  return async (app) => {
    app.post(
      '/v1/verify',
      {
        schema: {
          summary: 'Verify an item: signature, chain, validity, meter status; postage scans are recorded',
          tags: ['public'],
          body: ItemBody,
          response: answers(Verdict),
        },
      },
      async (request) => {
        limiter.take(request.ip);
        const verdict = await verifyForPublic(ctx, Buffer.from(request.body.itemBase64, 'base64'), request.body.location ?? '');
        ctx.metrics.verdicts.inc({ status: verdict.status });
        return verdict;
      },
    );

    app.post(
      '/v1/redeem',
      {
        schema: {
          summary: 'Redeem a ticket, coupon, voucher or gift certificate, once',
          tags: ['public'],
          body: ItemBody,
          response: answers(Redeemed),
        },
      },
      async (request) => {
        limiter.take(request.ip);
        const location = request.body.location ?? '';
        const { itemId, item } = await redeem(ctx, Buffer.from(request.body.itemBase64, 'base64'), location);
        return { redeemed: true, itemId, location, item };
      },
    );

    app.get(
      '/v1/revocations',
      { schema: { summary: 'Revoked and withdrawn meters, for verifiers to cache', tags: ['public'], response: answers(Revocations) } },
      async (_req, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        const rows = await repo.listInactiveMeters(ctx.db);
        return {
          generatedAt: new Date().toISOString(),
          meters: rows.map((m) => ({
            meterId: m.meterId,
            certSerialHex: m.certSerial,
            status: m.status,
            at: m.statusAt?.toISOString() ?? null,
            reason: m.statusReason,
          })),
        };
      },
    );
  };
}
