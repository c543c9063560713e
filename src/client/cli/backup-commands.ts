import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { DEFAULT_BACKUP_RETENTION, MAX_BACKUP_FILE_BYTES } from '../../constants.js';
import { backupNow, backupTarget, moduleSockets } from '../../runtime/backups.js';
import { homeDir, readConfig } from '../../runtime/home.js';
import { recoverInstallation, type RecoveryReport } from '../../runtime/recover.js';
import { createDb } from '../../store/index.js';
import { decodeBackup } from '../../ledger/index.js';
import { parseTarget } from '../../txlog/index.js';
import { emit } from './output.js';
import { progressLine } from './progress.js';
import { action } from './run.js';

/** The owner's database URL of a running installation: DATABASE_URL, else its embedded PostgreSQL. */
async function ownerUrl(home: string): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const config = await readConfig(home);
  if (!config.embedded) throw new Error('this installation uses an external database: set DATABASE_URL');
  return `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
}

async function readPassphrase(file: string | undefined): Promise<string> {
  if (file) return (await readFile(file, 'utf8')).split('\n')[0]!.trim();
  if (process.env.VAULTMETER_PASSPHRASE) return process.env.VAULTMETER_PASSPHRASE;
  throw new Error('the module keystores need their passphrase: set VAULTMETER_PASSPHRASE or give --passphrase-file');
}

export function backupCommands(program: Command): void {
  const backup = program.command('backup').description('sealed, signed snapshots of the database (with the log position each covers)');
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
          emit(o.json === true, { backupId: r.manifest.backupId, location: `${to.name}/${r.key}`, bytes: r.bytes, rows, logPosition: r.manifest.logPosition, pruned: r.pruned }, () =>
            [
              `backup ${r.manifest.backupId}: ${rows} rows, ${r.bytes} bytes, signed by module ${r.manifest.signer}`,
              `  written to ${to.name}/${r.key}`,
              `  covers the log up to ${Object.entries(r.manifest.logPosition).map(([l, s]) => `${l}#${s}`).join(', ') || '(empty log)'}`,
              ...(r.pruned.length ? [`  pruned ${r.pruned.length} older backup(s)`] : []),
            ].join('\n'),
          );
        } finally {
          await db.end();
        }
      }),
    );
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
        emit(o.json === true, { target: target.name, backups }, () => backups.map((b) => `${b.createdAt}  ${b.backupId}  ${b.bytes} bytes  ${b.key}`).join('\n') || 'no backups');
      }),
    );

  program
    .command('recover')
    .description('rebuild an installation in an empty home (or empty DATABASE_URL) from a backup plus the shipped log')
    .requiredOption('--backup <file>', 'a backup file (.vmbk)')
    .requiredOption('--log <dir>', 'the shipped log: a directory or s3://bucket/prefix?…')
    .option('--ca <file>', 'the installation CA you trust (default: the one in the backup; compare its fingerprint)')
    .option('--passphrase-file <file>', 'the keystore passphrase (default: VAULTMETER_PASSPHRASE)')
    .option('--keep-dev-passphrase', 'development only: keep the passphrase in the new home, as `npm start` does')
    .option('--json', 'print the report as JSON')
    .action(
      action(async (o: { backup: string; log: string; ca?: string; passphraseFile?: string; keepDevPassphrase?: boolean; json?: boolean }) => {
        const backup = await readFile(o.backup);
        if (backup.length > MAX_BACKUP_FILE_BYTES) throw new Error(`${o.backup} is larger than ${MAX_BACKUP_FILE_BYTES} bytes`);
        const progress = progressLine(o.json !== true && process.stderr.isTTY === true);
        const r = await recoverInstallation({
          home: homeDir(),
          backup,
          log: parseTarget(o.log),
          caPem: o.ca ? await readFile(o.ca, 'utf8') : null,
          passphrase: await readPassphrase(o.passphraseFile),
          keepDevPassphrase: o.keepDevPassphrase === true,
          say: (line) => process.stderr.write(`${line}\n`),
          progress: progress.update,
        });
        progress.done();
        emit(o.json === true, { ...r }, () => describe(r));
      }),
    );
}

function describe(r: RecoveryReport): string {
  return [
    `Recovered from backup ${r.backupId} (${r.backupCreatedAt}) plus ${r.replayedTotal} replayed log records.`,
    `  meters: ${r.meters}   items: ${r.items}`,
    `  registers: ascending ${r.arMills}, descending ${r.drMills}, control total ${r.controlTotalMills} (mills)`,
    ...Object.entries(r.lastSeq).map(([l, s]) => `  log ${l}: last record #${s} (${r.replayed[l] ?? 0} replayed)`),
    'Every module ring was re-seeded at the end of its log. Start the system with `vaultmeter start`.',
  ].join('\n');
}
