import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get } from './admin-options.js';

export function adminLog(admin: Command): void {
  withAdmin(admin.command('log').description('the transaction log: durability level, ship targets and shipping lag')).action(
    action(async (o: AdminOpts) => {
      type Status = {
        durability: string;
        lagMs: number;
        targets: { name: string; logs: { logId: string; lastSeq: string; shippedSeq: string; lagRecords: string; lagMs: number }[] }[];
      };
      const r = await get<Status>(o, '/v1/admin/log');
      emit(o.json === true, r, () =>
        [
          `durability: ${r.durability}; oldest unshipped record: ${(r.lagMs / 1000).toFixed(1)} s`,
          ...r.targets.flatMap((t) => [
            `${t.name}`,
            ...t.logs.map((l) => `  log ${l.logId}: ${l.shippedSeq}/${l.lastSeq} shipped, ${l.lagRecords} behind (${(l.lagMs / 1000).toFixed(1)} s)`),
          ]),
        ].join('\n'),
      );
    }),
  );
}
