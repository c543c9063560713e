import type { Command } from 'commander';
import { MAX_ITEM_VALUE_MILLS } from '../../constants.js';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { checkOutputs, keepAndWrite } from './client-deliver.js';
import { action } from '../run.js';
import { type Common, session, withCommon, registers, describe, withOutput, type OutputOpts, printerChoice, todayUtc } from './client-options.js';

export function clientPrint(client: Command): void {
  withOutput(withCommon(client.command('print').description('print a postage item: debit the meter and get the signed item and its barcode')))
    .requiredOption('--amount <dollars>', 'postage value in dollars, e.g. 0.73')
    .requiredOption('--from <zip>', 'origin ZIP (5 digits)')
    .requiredOption('--to <zip>', 'destination ZIP, ZIP+4 or delivery point (digits)')
    .option('--address <line>', 'destination address line for the label (repeat, at most 6)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--date <yyyy-mm-dd>', 'mailing date (UTC)', todayUtc())
    .option('--rate <category>', 'rate category', 'FCM-LETTER')
    .option('--weight-oz <ounces>', 'weight in ounces (tenths)', '1.0')
    .action(
      action(async (o: Common & OutputOpts & { amount: string; from: string; to: string; date: string; rate: string; weightOz: string }) => {
        const printer = printerChoice(o);
        const amountMills = parseDollarsToMills(o.amount, MAX_ITEM_VALUE_MILLS);
        const weight = Number(o.weightOz);
        if (!Number.isFinite(weight) || weight <= 0) throw new ProfileError('invalid_request', '--weight-oz must be a positive number');
        await checkOutputs(o, printer);
        const item = await (
          await session(o)
        ).print({
          amountMills,
          originZip: o.from,
          destination: o.to.replace(/-/g, ''),
          date: o.date,
          rateCategory: o.rate,
          weightTenthOz: Math.round(weight * 10),
        });
        const files = await keepAndWrite(o.user, o, printer, item);
        emit(
          o.json === true,
          { itemId: item.itemId, itemSerial: item.itemSerial.toString(), amountMills: item.amountMills.toString(), ...registers(item), ...files },
          () => `Printed item ${item.itemId} for $${formatMills(item.amountMills)} -> ${o.out} (kept in ${files.keptFile ?? 'no store'}); ${describe(item)}`,
        );
      }),
    );
}
