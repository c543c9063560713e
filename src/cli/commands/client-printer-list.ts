import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { Profile } from '../profile.js';
import { emit } from '../output.js';
import { action } from '../run.js';

export function clientPrinterList(printer: Command): void {
  printer
    .command('list')
    .description('the printer profiles recorded by test prints')
    .requiredOption('--user <user>', 'customer user name')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { user: string; json?: boolean }) => {
        const opened = await Profile.unlockWithSession(o.user);
        if (!opened) throw new ProfileError('no_session', `no open session for ${o.user}`);
        const printers = opened.profile.printers;
        emit(
          o.json === true,
          { printers },
          () =>
            printers.map((p) => `${p.stock} ${p.format} ${p.symbology}: tested ${p.testedAt}, barcode ${p.barcodeDecoded ? 'ok' : 'unchecked'}`).join('\n') ||
            'no printer profiles yet',
        );
      }),
    );
}
