import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, post } from './admin-options.js';

export function adminOfficersAdd(officers: Command): void {
  withAdmin(officers.command('add').description('create an officer account (its password is printed once)'))
    .requiredOption('--new-officer <user>', 'user name of the new officer')
    .option('--role <role>', 'security_officer or operator', 'security_officer')
    .action(
      action(async (o: AdminOpts & { newOfficer: string; role: string }) => {
        const r = await post<{ officer: { user: string; password: string; role: string } }>(o, '/v1/admin/officers', { user: o.newOfficer, role: o.role });
        emit(o.json === true, r, () => `Officer ${r.officer.user} (${r.officer.role}) created; password (shown once): ${r.officer.password}`);
      }),
    );
}
