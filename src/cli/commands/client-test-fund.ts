import type { Command } from 'commander';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon, registers, describe } from './client-options.js';

/** Test mode: free test value for a sandbox meter; the module refuses it on a real one (`not_sandbox`). */
export function clientTestFund(client: Command): void {
  withCommon(
    client
      .command('test-fund')
      .description('test mode: credit your sandbox meter with free test value (never real postage; refused on a real meter)')
      .requiredOption('--amount <dollars>', 'amount in dollars, e.g. 50.00'),
  ).action(
    action(async (o: Common & { amount: string }) => {
      const r = await (await session(o)).testFund(parseDollarsToMills(o.amount));
      emit(
        o.json === true,
        { testFundedMills: r.amountMills.toString(), ...registers(r) },
        () => `Test funds of $${formatMills(r.amountMills)} credited (TEST — NOT POSTAGE); ${describe(r)}`,
      );
    }),
  );
}
