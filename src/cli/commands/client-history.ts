import type { Command } from 'commander';
import type { HistoryItem } from '../../sdk/index.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';
import { type ListingOpts, listingQuery, runListing, withListing } from './history-options.js';

export const ITEM_KINDS = ['postage', 'ticket', 'coupon', 'voucher', 'gift'] as const;
export const ITEM_STATUSES = ['printed', 'scanned', 'refunded', 'redeemed'] as const;
export const ITEM_COLUMNS: readonly (keyof HistoryItem)[] = ['issuedAt', 'itemId', 'kind', 'amountMills', 'status', 'rateCategory', 'zone', 'destinationZip'];

export function clientHistory(client: Command): void {
  withListing(
    withCommon(client.command('history').description("the meter's items as the server holds them (newest first), with their status; --csv for every row")),
    ITEM_KINDS,
    ITEM_STATUSES,
  ).action(
    action(async (o: Common & ListingOpts) => {
      const q = listingQuery(o);
      const c = await session(o);
      await runListing(o, {
        name: 'items',
        columns: ITEM_COLUMNS,
        page: async (cursor) => {
          const p = await c.history({ ...q, cursor });
          return { rows: p.items, next: p.next };
        },
        csv: () => c.exportCsv('items', q),
      });
    }),
  );
}
