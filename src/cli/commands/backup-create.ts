import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_BACKUP_RETENTION } from '../../constants.js';
import { backupNow, backupTarget, moduleSockets, homeDir } from '../../runtime/index.js';
import { createDb } from '../../store/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { ownerUrl } from './backup-options.js';

export function backupCreate(backup: Command): void {
  backup
    .command('create')
    .description('take a consistent snapshot of every schema now, sealed and signed by a module (the system must be running)')
    .option('--to <dir>', 'directory or s3://bucket/prefix?… to write to (default: VAULTMETER_BACKUP_TO, else <home>/backups)')
    .addOption(new Option('--keep <n>', 'backups to keep on that target; older ones are deleted').default(String(DEFAULT_BACKUP_RETENTION)))
    .option('--json', 'print JSON')
    .action(
      action(async (o: { to?: string; keep: string; json?: boolean }) => {
        const keep = Number(o.keep);
        if (!Number.isInteger(keep) || keep < 1) throw new Error('--keep must be a whole number of at least 1');
        const home = homeDir();
        const to = await backupTarget(home, o.to);
        const db = createDb(await ownerUrl(home), 2);
        try {
          const r = await backupNow(db, home, await moduleSockets(home), to, keep);
          const rows = Object.values(r.manifest.tables).reduce((a, b) => a + b, 0);
          emit(
            o.json === true,
            { backupId: r.manifest.backupId, location: `${to.name}/${r.key}`, bytes: r.bytes, rows, logPosition: r.manifest.logPosition, pruned: r.pruned },
            () =>
              [
                `backup ${r.manifest.backupId}: ${rows} rows, ${r.bytes} bytes, signed by module ${r.manifest.signer}`,
                `  written to ${to.name}/${r.key}`,
                `  covers the log up to ${
                  Object.entries(r.manifest.logPosition)
                    .map(([l, s]) => `${l}#${s}`)
                    .join(', ') || '(empty log)'
                }`,
                ...(r.pruned.length ? [`  pruned ${r.pruned.length} older backup(s)`] : []),
              ].join('\n'),
          );
        } finally {
          await db.end();
        }
      }),
    );
}
