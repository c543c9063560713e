import type { Command } from 'commander';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

export function clientFund(client: Command): void {
  withCommon(
    client
      .command('fund')
      .description('fund the meter from a bank account on file (an ACH debit: the value arrives after the settlement hold)')
      .requiredOption('--amount <dollars>', 'amount in dollars, e.g. 50.00')
      .requiredOption('--bank-account <id>', 'the bank account id (see `client bank-accounts list`)'),
  ).action(
    action(async (o: Common & { amount: string; bankAccount: string }) => {
      const r = await (await session(o)).requestFunding({ amountMills: parseDollarsToMills(o.amount), bankAccountId: o.bankAccount });
      emit(
        o.json === true,
        { requestId: r.requestId, amountMills: r.amountMills.toString(), bankAccountId: r.bankAccountId, status: 'requested', settleAfter: r.settleAfter },
        () => `Requested a debit of $${formatMills(r.amountMills)} (request ${r.requestId}); the value arrives after ${r.settleAfter}`,
      );
    }),
  );
}

export function clientFunding(client: Command): void {
  withCommon(client.command('funding').description('list your funding requests, newest first, and where each stands')).action(
    action(async (o: Common) => {
      const list = await (await session(o)).fundingRequests();
      emit(o.json === true, { fundingRequests: list }, () =>
        list.length === 0
          ? 'No funding requests.'
          : list
              .map((f) => {
                const owed = BigInt(f.owedMills) > 0n ? `, $${formatMills(BigInt(f.owedMills))} owed` : '';
                const why = f.returnCode ? ` (${f.returnCode}${owed})` : '';
                return `${f.requestedAt}  ${f.requestId}  $${formatMills(BigInt(f.amountMills))}  ${f.status}${why}`;
              })
              .join('\n'),
      );
    }),
  );
}
