import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get } from './admin-options.js';

/** The fields of a module row this command shows (GET /v1/admin/modules). */
interface ModuleRow {
  serial: string;
  state: string;
  checkpoint: { seq: string; type: string | null; at: string | null };
  inhibitedReason: string | null;
}

export function adminModules(admin: Command): Command {
  const modules = withAdmin(admin.command('modules').description('show the cryptographic module table (checkpoints, states) and the halt state'));
  modules.action(
    action(async (o: AdminOpts) => {
      const r = await get<{ halted: boolean; haltReason: string | null; modules: ModuleRow[] }>(o, '/v1/admin/modules');
      emit(o.json === true, r, () =>
        [
          r.halted ? `SYSTEM HALTED: ${r.haltReason}` : 'system: running',
          ...r.modules.map(
            (m) =>
              `${m.serial}  ${m.state.padEnd(9)}  checkpoint #${m.checkpoint.seq} ${m.checkpoint.type ?? '-'} ${m.checkpoint.at ?? ''}${m.inhibitedReason ? `  (${m.inhibitedReason})` : ''}`,
          ),
        ].join('\n'),
      );
    }),
  );
  return modules;
}
