import type { Command } from 'commander';
import { fetchCsv, itemsPage, itemsPath } from '../../sdk/index.js';
import { DEFAULT_SERVER } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, officerAuth, withAdmin } from './admin-options.js';
import { ITEM_COLUMNS, ITEM_KINDS, ITEM_STATUSES } from './client-history.js';
import { type ListingOpts, listingQuery, runListing, withListing } from './history-options.js';

export function adminHistory(admin: Command): void {
  withListing(
    withAdmin(admin.command('history').description("a customer's items as the server holds them (newest first), with their status")).requiredOption(
      '--user <user>',
      'the customer',
    ),
    ITEM_KINDS,
    ITEM_STATUSES,
  ).action(
    action(async (o: AdminOpts & ListingOpts & { user: string }) => {
      const q = { ...listingQuery(o), user: o.user };
      const server = o.server ?? DEFAULT_SERVER;
      const auth = officerAuth(o);
      await runListing(o, {
        name: 'items',
        columns: ITEM_COLUMNS,
        page: async (cursor) => {
          const p = await itemsPage(server, auth, { ...q, cursor });
          return { rows: p.items, next: p.next };
        },
        csv: () => fetchCsv(server, auth, itemsPath(q, { format: 'csv' })),
      });
    }),
  );
}
