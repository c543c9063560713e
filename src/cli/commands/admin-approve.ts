import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import type { OfficerAuthorization } from '../../protocol/index.js';
import { type AdminOpts, withAdmin, cosign, get, post, pretty } from './admin-options.js';

export function adminApprove(admin: Command): void {
  withAdmin(admin.command('approve').description('approve and carry out a dual-control request made by another security officer'))
    .argument('<id>', 'approval request id')
    .action(
      action(async (id: string, o: AdminOpts) => {
        if (!/^\d{1,18}$/.test(id)) throw new ProfileError('invalid_request', 'the approval id is a number');
        const { approvals } = await get<{ approvals: { id: string; params: Record<string, string> }[] }>(o, '/v1/admin/approvals');
        const request = approvals.find((a) => a.id === id);
        if (!request) throw new ProfileError('not_found', `no approval request #${id}`);
        // A signed request (reinstating a module) is completed with this officer's signature over the same statement.
        const signature = request.params.authorization ? await cosign(o, JSON.parse(request.params.authorization) as OfficerAuthorization) : undefined;
        const r = await post<{ approval: Record<string, unknown> }>(o, `/v1/admin/approvals/${id}/approve`, signature ? { signature } : {});
        emit(o.json === true, r, () => `Approved #${id}: ${pretty(r.approval.result)}`);
      }),
    );
}
