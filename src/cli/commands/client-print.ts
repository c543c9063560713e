import type { Command } from 'commander';
import { MAX_ITEM_VALUE_MILLS } from '../../constants.js';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { quoteRates, type MeterClient } from '../../sdk/index.js';
import { emit } from '../output.js';
import { dimsTenthIn, parseDimsIn, parseWeightOz } from '../piece.js';
import { addressLinesOf, shipToOf, type ShipToOpts } from '../ship-to.js';
import { checkOutputs, keepAndWrite } from './client-deliver.js';
import { action } from '../run.js';
import { type Common, session, withCommon, registers, describe, withOutput, type OutputOpts, printerChoice, todayUtc } from './client-options.js';

interface PrintOpts extends Common, OutputOpts, ShipToOpts {
  amount?: string;
  from: string;
  to: string;
  date: string;
  rate: string;
  tier?: 'retail' | 'commercial';
  weightOz: string;
  dims?: string;
}

/** The amount to sign and its tier: as given, or the class's cheapest price the server quotes from the modules' rate tables. */
async function priceFor(client: MeterClient, o: PrintOpts, weightOz: number, dims: [number, number, number] | undefined) {
  if (o.amount !== undefined) return { amountMills: parseDollarsToMills(o.amount, MAX_ITEM_VALUE_MILLS), ...(o.tier ? { tier: o.tier } : {}) };
  const q = await quoteRates(client.server, {
    from: o.from,
    to: o.to,
    weightOz,
    date: o.date,
    classCode: o.rate,
    ...(o.tier ? { tier: o.tier } : {}),
    ...(dims ? { dimsIn: dims } : {}),
  });
  const cheapest = q.prices[0]!;
  return { amountMills: BigInt(cheapest.priceMills), tier: cheapest.tier };
}

export function clientPrint(client: Command): void {
  withOutput(withCommon(client.command('print').description('print a postage item: debit the meter and get the signed item and its barcode')))
    .requiredOption('--from <zip>', 'origin ZIP (5 digits)')
    .requiredOption('--to <zip>', 'destination ZIP, ZIP+4 or delivery point (digits)')
    .option('--rate <class>', 'mail class code, e.g. PM or GA (`vaultmeter rates tables` lists them)', 'FCM-LETTER')
    .option('--weight-oz <ounces>', 'weight in ounces, to a tenth', '1.0')
    .option('--dims <LxWxH>', 'length x width x height in inches, e.g. 12x8x6 (dimensional weight)')
    .option('--tier <tier>', 'price tier, commercial or retail (default: the cheaper the class has)')
    .option('--amount <dollars>', "postage in dollars; default: the class's price, quoted from the modules' rate tables (the module refuses any other)")
    .option('--ship-to-name <name>', 'destination: addressee (with --ship-to-street, the server checks the address before printing)')
    .option('--ship-to-company <company>', 'destination: company')
    .option('--ship-to-street <line>', 'destination: delivery line, e.g. "1600 Pennsylvania Ave NW"')
    .option('--ship-to-secondary <unit>', 'destination: apartment, suite or floor')
    .option('--ship-to-city <city>', 'destination: city')
    .option('--ship-to-state <state>', 'destination: state (two letters)')
    .option(
      '--address <line>',
      'destination address line for the label, unchecked (repeat, at most 6); --ship-to-* is checked instead',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      '--return-address <line>',
      "the sender's address for a 4x6 label's return block (repeat, at most 6)",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--date <yyyy-mm-dd>', 'mailing date (UTC)', todayUtc())
    .action(
      action(async (o: PrintOpts) => {
        const printer = printerChoice(o);
        const destination = o.to.replace(/-/g, '');
        const shipTo = shipToOf(o, destination);
        const weightOz = parseWeightOz(o.weightOz);
        const dims = parseDimsIn(o.dims);
        await checkOutputs(o, printer);
        const meter = await session(o);
        const item = await meter.print({
          ...(await priceFor(meter, o, weightOz, dims)),
          originZip: o.from,
          destination,
          date: o.date,
          rateCategory: o.rate,
          weightTenthOz: Math.round(weightOz * 10),
          ...(dims ? { dimsTenthIn: dimsTenthIn(dims) } : {}),
          ...(shipTo ? { shipTo } : {}),
        });
        for (const w of item.addressWarnings ?? []) process.stderr.write(`warning: ${w.code}: ${w.detail}\n`);
        if (item.shipTo && (o.address?.length ?? 0) === 0) o.address = addressLinesOf(item.shipTo);
        const files = await keepAndWrite(o.user, o, printer, item);
        emit(
          o.json === true,
          {
            itemId: item.itemId,
            itemSerial: item.itemSerial.toString(),
            amountMills: item.amountMills.toString(),
            ...(item.test ? { test: true } : {}),
            ...registers(item),
            ...files,
            ...(item.shipTo ? { shipTo: item.shipTo, addressWarnings: item.addressWarnings ?? [] } : {}),
          },
          () =>
            `${item.test ? 'TEST ITEM — NOT POSTAGE: ' : ''}Printed item ${item.itemId} for $${formatMills(item.amountMills)} -> ${o.out} (kept in ${files.keptFile ?? 'no store'}); ${describe(item)}`,
        );
      }),
    );
}
