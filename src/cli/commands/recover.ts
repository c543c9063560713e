import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { MAX_BACKUP_FILE_BYTES } from '../../constants.js';
import { homeDir, recoverInstallation } from '../../runtime/index.js';
import { parseTarget } from '../../txlog/index.js';
import { emit } from '../output.js';
import { progressLine } from '../progress.js';
import { action } from '../run.js';
import { readPassphrase, describe } from './backup-options.js';

export function recoverCommand(program: Command): void {
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
