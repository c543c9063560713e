import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, post, signedByOfficer } from './admin-options.js';

export function adminHaltClear(halt: Command): void {
  withAdmin(halt.command('clear').description('request clearing the halt (a second security officer approves)')).action(
    action(async (o: AdminOpts) => {
      const authorization = await signedByOfficer(o, 'clear_halt', {});
      const r = await post<{ approval: { id: string }; next: string }>(o, '/v1/admin/approvals', { action: 'clear_halt', authorization });
      emit(o.json === true, r, () => `Requested approval #${r.approval.id}; ${r.next}`);
    }),
  );
}
