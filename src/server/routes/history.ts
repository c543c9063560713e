import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { fail } from '../../errors.js';
import { countItems, everyItem, itemPage, registeredCustomer, type HistoryItem } from '../../services/index.js';
import { repo } from '../../store/index.js';
import { requireCustomer, requireAnyOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { encodeCursor } from '../history-cursor.js';
import { listingAnswers, sendExport } from '../history-export.js';
import { filterOf, ItemsQuery, wantsCsv } from '../history-query.js';
import { ItemsPage } from '../responses.js';

const COLUMNS: readonly (keyof HistoryItem)[] = [
  'itemId', 'kind', 'amountMills', 'itemSerial', 'issuedAt', 'date', 'status', 'refundedAt', 'rateCategory', 'rateTable', 'zone', 'destinationZip',
]; // prettier-ignore

/**
 * Whose items: a customer's own meter (a session), or for an officer (HTTP Basic) the customer named
 * by `user` or `meterId`. A customer naming any other meter is answered as unknown, as GET
 * /v1/items/{itemId} answers another customer's item, so meters cannot be probed.
 */
async function listedMeter(ctx: ServerContext, request: FastifyRequest, q: { user?: string; meterId?: string }): Promise<string> {
  if (q.user !== undefined && q.meterId !== undefined) fail('invalid_request', 'name the customer by user or by meterId, not both');
  if (!/^Basic /.test(request.headers.authorization ?? '')) {
    const own = await requireCustomer(ctx.db, request, 'balance');
    if ((q.user !== undefined && q.user !== own.username) || (q.meterId !== undefined && q.meterId !== own.meterId)) fail('not_found', 'no such meter');
    return own.meterId;
  }
  await requireAnyOfficer(ctx.db, request);
  if (q.user !== undefined) return (await registeredCustomer(ctx, q.user)).meterId;
  if (q.meterId === undefined) fail('invalid_request', 'an officer names the customer: ?user=NAME or ?meterId=ID');
  if (!(await repo.getMeterStatus(ctx.db, q.meterId))) fail('not_found', 'no such meter');
  return q.meterId;
}

/** GET /v1/items: a meter's items, newest first, filtered and paged, or all of them as CSV. */
export function historyRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/items',
      {
        schema: {
          summary: "A meter's items, newest first: filtered by issue date, kind and status; paged by cursor, or every row as CSV",
          description:
            'A customer (session) sees their own meter; an officer (HTTP Basic) names a customer with `user` or `meterId`. ' +
            '`from` and `to` are days of issue (UTC, inclusive). With `format=csv` (or Accept: text/csv) the answer is text/csv, every matching row.',
          tags: ['meter'],
          querystring: ItemsQuery,
          response: listingAnswers(ItemsPage),
        },
      },
      async (request, reply) => {
        const q = request.query;
        const csv = wantsCsv(request, q);
        const meterId = await listedMeter(ctx, request, q);
        const f = { ...filterOf(meterId, q), status: q.status ?? null };
        if (csv)
          return sendExport(reply, {
            filename: `items-${meterId}.csv`,
            columns: COLUMNS,
            count: (max) => countItems(ctx.db, f, max),
            rows: () => everyItem(ctx.db, f),
          });
        const page = await itemPage(ctx.db, f);
        return { meterId, items: page.rows, next: page.next && encodeCursor(page.next) };
      },
    );
  };
}
