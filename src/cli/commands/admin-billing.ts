import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, post } from './admin-options.js';

export function adminBilling(admin: Command): void {
  const billing = admin.command('billing').description('pricing plans and invoices');
  withAdmin(billing.command('run').description('invoice every customer for a month that is over (run again to go on; the invoiced are skipped)'))
    .requiredOption('--month <YYYY-MM>', 'the month (UTC), e.g. 2026-10')
    .action(
      action(async (o: AdminOpts & { month: string }) => {
        if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month)) throw new ProfileError('invalid_request', '--month is YYYY-MM');
        const r = await post<{ month: string; invoiced: number; more: boolean }>(o, '/v1/admin/billing/run', { month: o.month });
        emit(o.json === true, r, () => `Invoiced ${r.invoiced} customer(s) for ${r.month}${r.more ? '; more remain: run it again' : ''}`);
      }),
    );
}
