import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, post, pretty } from './admin-options.js';

export function adminAudit(admin: Command): void {
  withAdmin(admin.command('audit').description("get a module-signed status report of a customer's meter"))
    .requiredOption('--user <user>', 'the customer')
    .action(
      action(async (o: AdminOpts & { user: string }) => {
        const r = await post(o, '/v1/admin/audit', { user: o.user });
        emit(o.json === true, r, () => pretty(r.report));
      }),
    );
}
