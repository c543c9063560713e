import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, meterIdOf, post, signedByOfficer } from './admin-options.js';

export function adminUnlock(admin: Command): void {
  withAdmin(admin.command('unlock').description("return a customer's locked meter to service (a security officer signs it)"))
    .requiredOption('--user <user>', 'the customer')
    .action(
      action(async (o: AdminOpts & { user: string }) => {
        const meterId = await meterIdOf(o, o.user);
        const authorization = await signedByOfficer(o, 'unlock_meter', { meterId });
        const r = await post<{ meterId: string; state: string }>(o, '/v1/admin/unlock', { user: o.user, authorization });
        emit(o.json === true, r, () => `Meter ${r.meterId} of ${o.user} is ${r.state}`);
      }),
    );
}
