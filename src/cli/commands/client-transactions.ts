import type { Command } from 'commander';
import type { Transaction } from '../../sdk/index.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';
import { type ListingOpts, listingQuery, runListing, withListing } from './history-options.js';

const KINDS = ['fund', 'print', 'refund', 'withdraw', 'audit', 'adjust', 'close'] as const;
const COLUMNS: readonly (keyof Transaction)[] = ['at', 'kind', 'amountMills', 'arAfterMills', 'drAfterMills', 'itemId'];

export function clientTransactions(client: Command): void {
  withListing(
    withCommon(
      client
        .command('transactions')
        .description("the meter's transactions (fundings, prints, refunds, withdrawal, audits), newest first, with ar and dr after each"),
    ),
    KINDS,
  ).action(
    action(async (o: Common & ListingOpts) => {
      const q = listingQuery(o);
      const c = await session(o);
      await runListing(o, {
        name: 'transactions',
        columns: COLUMNS,
        page: async (cursor) => {
          const p = await c.transactions({ ...q, cursor });
          return { rows: p.transactions, next: p.next };
        },
        csv: () => c.exportCsv('transactions', q),
      });
    }),
  );
}
