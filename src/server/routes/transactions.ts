import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { fail } from '../../errors.js';
import { countTransactions, everyTransaction, transactionPage, type Transaction } from '../../services/index.js';
import { repo } from '../../store/index.js';
import { requireCustomer, requireAnyOfficer } from '../auth.js';
import type { ServerContext } from '../context.js';
import { encodeCursor } from '../history-cursor.js';
import { listingAnswers, sendExport } from '../history-export.js';
import { filterOf, TransactionsQuery, wantsCsv } from '../history-query.js';
import { TransactionsPage } from '../responses.js';
import { MeterId } from '../schemas.js';

const COLUMNS: readonly (keyof Transaction)[] = ['eventId', 'kind', 'at', 'amountMills', 'arAfterMills', 'drAfterMills', 'itemId'];

/** A customer reads their own meter's transactions, an officer (HTTP Basic) any meter's; another customer's meter is unknown. */
async function checkReader(ctx: ServerContext, request: FastifyRequest, meterId: string): Promise<void> {
  if (/^Basic /.test(request.headers.authorization ?? '')) {
    await requireAnyOfficer(ctx.db, request);
    if (!(await repo.getMeterStatus(ctx.db, meterId))) fail('not_found', 'no such meter');
  } else if ((await requireCustomer(ctx.db, request, 'balance')).meterId !== meterId) fail('not_found', 'no such meter');
}

/**
 * GET /v1/meters/{meterId}/transactions: every event that moved the meter's registers (fundings,
 * prints, refunds), and its withdrawal and device audits, from the ledger's rows; under the meter,
 * as the commands that make them are.
 */
export function transactionRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/meters/:meterId/transactions',
      {
        schema: {
          summary: "A meter's transactions, newest first: fundings, prints, refunds, withdrawal and device audits, each with ar and dr after it",
          description:
            'A customer (session) reads their own meter, an officer (HTTP Basic) any. `from` and `to` are days (UTC, inclusive). ' +
            'With `format=csv` (or Accept: text/csv) the answer is text/csv, every matching row.',
          tags: ['meter'],
          params: Type.Object({ meterId: MeterId }),
          querystring: TransactionsQuery,
          response: listingAnswers(TransactionsPage),
        },
      },
      async (request, reply) => {
        const { meterId } = request.params;
        const q = request.query;
        const csv = wantsCsv(request, q);
        await checkReader(ctx, request, meterId);
        const f = filterOf(meterId, q);
        if (csv)
          return sendExport(reply, {
            filename: `transactions-${meterId}.csv`,
            columns: COLUMNS,
            count: (max) => countTransactions(ctx.db, f, max),
            rows: () => everyTransaction(ctx.db, f),
          });
        const page = await transactionPage(ctx.db, f);
        return { meterId, transactions: page.rows, next: page.next && encodeCursor(page.next) };
      },
    );
  };
}
