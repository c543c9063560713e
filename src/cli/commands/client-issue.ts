import type { Command } from 'commander';
import { type ItemKind } from '../../indicium/index.js';
import { MAX_ITEM_VALUE_MILLS } from '../../constants.js';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { emit } from '../output.js';
import { checkOutputs, keepAndWrite } from './client-deliver.js';
import { action } from '../run.js';
import {
  type Common,
  session,
  withCommon,
  registers,
  describe,
  withOutput,
  type OutputOpts,
  printerChoice,
  issueElements,
  todayUtc,
} from './client-options.js';

export function clientIssue(client: Command): void {
  withOutput(withCommon(client.command('issue').description('issue a ticket, coupon, voucher or gift certificate from the meter')))
    .requiredOption('--kind <kind>', 'ticket, coupon, voucher or gift')
    .requiredOption('--amount <dollars>', 'value in dollars')
    .option('--event <text>', 'ticket: the event')
    .option('--seat <text>', 'ticket: seat or zone', '')
    .option('--valid-from <yyyy-mm-dd>', 'ticket: first valid day', todayUtc())
    .option('--valid-to <yyyy-mm-dd>', 'ticket: last valid day')
    .option('--offer <text>', 'coupon or voucher: what is offered')
    .option('--expiry <yyyy-mm-dd>', 'coupon, voucher or gift: last valid day')
    .action(
      action(
        async (
          o: Common &
            OutputOpts & { kind: string; amount: string; event?: string; seat: string; validFrom: string; validTo?: string; offer?: string; expiry?: string },
        ) => {
          const elements = issueElements(o);
          const amountMills = parseDollarsToMills(o.amount, MAX_ITEM_VALUE_MILLS);
          const printer = printerChoice(o);
          await checkOutputs(o, printer);
          const item = await (await session(o)).issue(o.kind as ItemKind, amountMills, elements);
          const files = await keepAndWrite(o.user, o, printer, item);
          emit(
            o.json === true,
            {
              itemId: item.itemId,
              kind: o.kind,
              itemSerial: item.itemSerial.toString(),
              amountMills: item.amountMills.toString(),
              ...(item.test ? { test: true } : {}),
              ...registers(item),
              ...files,
            },
            () =>
              `${item.test ? 'TEST ITEM — NOT VALUE: ' : ''}Issued ${o.kind} ${item.itemId} for $${formatMills(item.amountMills)} -> ${o.out} (kept in ${files.keptFile ?? 'no store'}); ${describe(item)}`,
          );
        },
      ),
    );
}
