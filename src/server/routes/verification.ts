import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MAX_ITEM_BYTES, MAX_LOCATION_LENGTH } from '../../constants.js';
import { fail } from '../../errors.js';
import { repo } from '../../store/index.js';
import type { ServerContext } from '../context.js';
import { RateLimiter } from '../rate-limit.js';
import { verifyForPublic } from '../verification.js';
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
      { schema: { summary: 'Verify an item: signature, chain, validity, meter status; postage scans are recorded', tags: ['public'], body: ItemBody, response: answers(Verdict) } },
      async (request) => {
        limiter.take(request.ip);
        return verifyForPublic(ctx.db, ctx.caCertPem, Buffer.from(request.body.itemBase64, 'base64'), request.body.location ?? '');
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
        const v = await verifyForPublic(ctx.db, ctx.caCertPem, Buffer.from(request.body.itemBase64, 'base64'), location);
        if (v.status === 'redeemed' && v.redemption) {
          fail('already_redeemed', `first redeemed at ${v.redemption.at} (${v.redemption.location || 'no location'})`, { firstRedeemedAt: v.redemption.at, firstRedeemedLocation: v.redemption.location });
        }
        if (!v.valid || !v.itemId || v.status !== 'valid') fail('not_redeemable', v.reasons.join('; ') || 'the item is not known to this installation', { reasons: v.reasons });
        if (v.item?.kind === 'postage') fail('not_redeemable', 'postage is not redeemed; it is scanned');
        const first = await repo.redeem(ctx.db, v.itemId, String(v.item!.meterId), location);
        if (first) fail('already_redeemed', `first redeemed at ${first.at.toISOString()} (${first.location || 'no location'})`, { firstRedeemedAt: first.at.toISOString(), firstRedeemedLocation: first.location });
        return { redeemed: true, itemId: v.itemId, location, item: v.item };
      },
    );

    app.get('/v1/revocations', { schema: { summary: 'Revoked and withdrawn meters, for verifiers to cache', tags: ['public'], response: answers(Revocations) } }, async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      const rows = await repo.listInactiveMeters(ctx.db);
      return {
        generatedAt: new Date().toISOString(),
        meters: rows.map((m) => ({ meterId: m.meterId, certSerialHex: m.certSerial, status: m.status, at: m.statusAt?.toISOString() ?? null, reason: m.statusReason })),
      };
    });
  };
}
