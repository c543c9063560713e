import type { Command } from 'commander';
import { formatMills } from '../../money.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon, registers, describe } from './client-options.js';

export function clientRefund(client: Command): void {
  withCommon(client.command('refund').description('credit back an unused item (once, within the refund window)'))
    .requiredOption('--item <itemId>', 'the item id printed by `client print`')
    .action(
      action(async (o: Common & { item: string }) => {
        const r = await (await session(o)).refund(o.item);
        emit(
          o.json === true,
          { itemId: o.item, refundedMills: r.refundedMills.toString(), ...registers(r) },
          () => `Refunded $${formatMills(r.refundedMills)}; ${describe(r)}`,
        );
      }),
    );
}
