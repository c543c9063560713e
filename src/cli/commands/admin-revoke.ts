import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, meterIdOf, post, signedByOfficer } from './admin-options.js';

export function adminRevoke(admin: Command): void {
  withAdmin(admin.command('revoke').description("revoke a customer's meter: its items stop verifying and it runs no more commands"))
    .requiredOption('--user <user>', 'the customer')
    .requiredOption('--reason <text>', 'why (published in the revocation list)')
    .action(
      action(async (o: AdminOpts & { user: string; reason: string }) => {
        const meterId = await meterIdOf(o, o.user);
        const authorization = await signedByOfficer(o, 'revoke_meter', { meterId, reason: o.reason });
        const r = await post(o, '/v1/admin/revoke', { user: o.user, reason: o.reason, authorization });
        emit(o.json === true, r, () => `Revoked meter ${String(r.meterId)}`);
      }),
    );
}
