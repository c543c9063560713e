import type { Command } from 'commander';
import { backupTarget, homeDir } from '../../runtime/index.js';
import { decodeBackup } from '../../ledger/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';

export function backupList(backup: Command): void {
  backup
    .command('list')
    .description('the backups on a target, newest last')
    .option('--from <dir>', 'directory or s3://… (default: VAULTMETER_BACKUP_TO, else <home>/backups)')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { from?: string; json?: boolean }) => {
        const target = await backupTarget(homeDir(), o.from);
        const keys = (await target.list('backups/')).filter((k) => k.endsWith('.vmbk'));
        const backups: { key: string; backupId: string; createdAt: string; bytes: number; logPosition: Record<string, string>; signer: string }[] = [];
        for (const key of keys) {
          const bytes = await target.get(key);
          if (!bytes) continue;
          const m = decodeBackup(bytes).manifest;
          backups.push({ key, backupId: m.backupId, createdAt: m.createdAt, bytes: bytes.length, logPosition: m.logPosition, signer: m.signer });
        }
        emit(
          o.json === true,
          { target: target.name, backups },
          () => backups.map((b) => `${b.createdAt}  ${b.backupId}  ${b.bytes} bytes  ${b.key}`).join('\n') || 'no backups',
        );
      }),
    );
}
