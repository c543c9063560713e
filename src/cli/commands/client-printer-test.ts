import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { testLabel } from '../labels.js';
import { barcodesIn } from '../scan.js';
import { ProfileError } from '../../sdk/index.js';
import { Profile } from '../profile.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type OutputOpts, printerChoice } from './client-options.js';

export function clientPrinterTest(printer: Command): void {
  printer
    .command('test')
    .description('print a test label for a stock/format/symbology and record, in your profile, whether its barcode reads back')
    .requiredOption('--user <user>', 'customer user name')
    .requiredOption('--format <format>', 'pdf, png or zpl')
    .option('--stock <stock>', 'label-4x6, envelope-10 or letter', 'label-4x6')
    .option('--symbology <symbology>', 'datamatrix or pdf417', 'datamatrix')
    .requiredOption('--out <file>', 'where to write the test label')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: OutputOpts & { user: string; json?: boolean }) => {
        const choice = printerChoice(o)!;
        const opened = await Profile.unlockWithSession(o.user);
        if (!opened) throw new ProfileError('no_session', `no open session for ${o.user}: run \`vaultmeter client login --user ${o.user}\``);
        const { label, payload } = await testLabel(choice);
        await writeFile(o.out, label);
        // A PNG or PDF is read back here; a ZPL file can only be checked on the printer itself.
        const decoded = choice.format !== 'zpl' && (await barcodesIn(o.out).catch(() => [])).some((b) => b.equals(payload));
        const record = { ...choice, testedAt: new Date().toISOString(), barcodeDecoded: decoded };
        await opened.profile.recordPrinter(record);
        emit(
          o.json === true,
          { printer: record, file: o.out },
          () =>
            `Test label written to ${o.out}; barcode ${decoded ? 'reads back' : choice.format === 'zpl' ? 'to be checked on the printer' : 'did NOT read back'}`,
        );
      }),
    );
}
