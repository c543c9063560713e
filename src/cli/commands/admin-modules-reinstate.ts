import { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, post, signedByOfficer } from './admin-options.js';

export function adminModulesReinstate(modules: Command): void {
  withAdmin(modules.command('reinstate').description('request that an inhibited module return to service (a second security officer approves)'))
    .requiredOption('--module <serial>', 'the inhibited module')
    .action(
      // The parent `modules` command takes the same officer options: read them from either level.
      action(async (_o: unknown, cmd: Command) => {
        const o = cmd.optsWithGlobals() as AdminOpts & { module: string };
        const authorization = await signedByOfficer(o, 'reinstate_module', { module: o.module });
        const r = await post<{ approval: { id: string }; next: string }>(o, '/v1/admin/approvals', {
          action: 'reinstate_module',
          module: o.module,
          authorization,
        });
        emit(o.json === true, r, () => `Requested approval #${r.approval.id}; ${r.next}`);
      }),
    );
}
