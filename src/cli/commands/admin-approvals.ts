import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get } from './admin-options.js';

export function adminApprovals(admin: Command): void {
  withAdmin(admin.command('approvals').description('list dual-control requests')).action(
    action(async (o: AdminOpts) => {
      const r = await get<{ approvals: Record<string, string>[] }>(o, '/v1/admin/approvals');
      emit(
        o.json === true,
        r,
        () =>
          r.approvals
            .map((a) => `#${a.id} ${a.action} ${a.state} requested by ${a.requestedBy}${a.decidedBy ? `, decided by ${a.decidedBy}` : ''}`)
            .join('\n') || 'no requests',
      );
    }),
  );
}
