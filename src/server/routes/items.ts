import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DEV_MAILER_ID } from '../../constants.js';
import { fail } from '../../errors.js';
import { decodeItem, impbFor, type DecodedItem } from '../../indicium/index.js';
import { repo, type Db } from '../../store/index.js';
import { requireCustomer, requireAnyOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { ItemStatus } from '../responses.js';
import { answers, ItemId } from '../schemas.js';

/**
 * Who may read an item's status: an officer (HTTP Basic), or the customer whose meter printed it (a
 * session). Another customer's item is answered as unknown (404), so item ids cannot be probed.
 */
async function readerMeter(db: Db, request: FastifyRequest): Promise<string | 'officer'> {
  if (/^Basic /.test(request.headers.authorization ?? '')) {
    await requireAnyOfficer(db, request);
    return 'officer';
  }
  return (await requireCustomer(db, request, 'balance')).meterId;
}

type Status = 'printed' | 'scanned' | 'refunded' | 'redeemed';

function statusOf(refunded: boolean, redeemed: boolean, scans: number): Status {
  if (refunded) return 'refunded';
  if (redeemed) return 'redeemed';
  return scans > 0 ? 'scanned' : 'printed';
}

/** The postal facts of a postage item: its class, its rate table and zone, and its IMpb tracking number when it is rated. */
function postalOf(item: DecodedItem, itemId: string, mailerId: string) {
  const d = item.data;
  if (d.kind !== 'postage') return { rateCategory: null, rated: null, trackingNumber: null };
  const p = d.postage;
  const impb = p.rated ? impbFor({ itemId, destination: p.destination, rateCategory: p.rateCategory, mailerId }) : undefined;
  return { rateCategory: p.rateCategory, rated: p.rated ?? null, trackingNumber: impb?.trackingNumber ?? null };
}

/** An item's status for its customer and for officers: printed, scanned, refunded or redeemed. */
export function itemRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/items/:itemId',
      {
        schema: {
          summary: "An item's status: printed, scanned, refunded or redeemed; for rated postage its table, zone and IMpb tracking number",
          description: 'A customer (session) sees the items of their meter; an officer (HTTP Basic) sees any.',
          tags: ['meter'],
          params: Type.Object({ itemId: ItemId }),
          response: answers(ItemStatus),
        },
      },
      async (request) => {
        const reader = await readerMeter(ctx.db, request);
        const { itemId } = request.params;
        const row = await repo.getItem(ctx.db, itemId);
        if (!row || (reader !== 'officer' && reader !== row.meterId)) fail('not_found', 'no such item');
        const [scans, redemption] = await Promise.all([repo.scanSummary(ctx.db, itemId), repo.findRedemption(ctx.db, itemId)]);
        const item = decodeItem(row.itemBytes);
        return {
          itemId,
          kind: item.data.kind,
          amountMills: row.amountMills.toString(),
          meterId: row.meterId,
          itemSerial: row.itemSerial.toString(),
          date: item.data.date,
          printedAt: row.createdAt.toISOString(),
          status: statusOf(row.refundedAt !== null, redemption !== null, scans.count),
          scans: { count: scans.count, firstAt: scans.firstAt?.toISOString() ?? null, lastAt: scans.lastAt?.toISOString() ?? null },
          refundedAt: row.refundedAt?.toISOString() ?? null,
          redeemedAt: redemption?.at.toISOString() ?? null,
          ...postalOf(item, itemId, ctx.mailerId ?? DEV_MAILER_ID),
        };
      },
    );
  };
}
