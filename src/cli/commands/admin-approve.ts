import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, post, pretty } from './admin-options.js';

export function adminApprove(admin: Command): void {
  withAdmin(admin.command('approve').description('approve and carry out a dual-control request made by another security officer'))
    .argument('<id>', 'approval request id')
    .action(
      action(async (id: string, o: AdminOpts) => {
        if (!/^\d{1,18}$/.test(id)) throw new ProfileError('invalid_request', 'the approval id is a number');
        const r = await post<{ approval: Record<string, unknown> }>(o, `/v1/admin/approvals/${id}/approve`, {});
        emit(o.json === true, r, () => `Approved #${id}: ${pretty(r.approval.result)}`);
      }),
    );
}
