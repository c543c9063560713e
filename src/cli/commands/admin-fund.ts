import type { Command } from 'commander';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, meterIdOf, post, signedByOfficer } from './admin-options.js';

export function adminFund(admin: Command): void {
  withAdmin(admin.command('fund').description("credit a customer's meter"))
    .requiredOption('--user <user>', 'the customer')
    .requiredOption('--amount <dollars>', 'amount in dollars, e.g. 20.00')
    .action(
      action(async (o: AdminOpts & { user: string; amount: string }) => {
        const amountMills = parseDollarsToMills(o.amount);
        const meterId = await meterIdOf(o, o.user);
        const authorization = await signedByOfficer(o, 'fund', { meterId, amountMills: amountMills.toString() });
        const r = await post<Record<string, string>>(o, '/v1/admin/fund', { user: o.user, amountMills: amountMills.toString(), authorization });
        emit(o.json === true, r, () => `Funded ${o.user} with $${formatMills(amountMills)}; available $${formatMills(BigInt(r.drMills!))}`);
      }),
    );
}
