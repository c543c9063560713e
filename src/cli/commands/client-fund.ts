import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ProfileError, type MeterClient } from '../../sdk/index.js';
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
  withCommon(
    client
      .command('funding')
      .description('list your funding requests, newest first, and where each stands; or save the PDF receipt of one that settled')
      .option('--receipt <requestId>', 'save the PDF receipt of this funding request (it must have settled)')
      .option('--out <file>', 'where the receipt goes (with --receipt)'),
  ).action(
    action(async (o: Common & { receipt?: string; out?: string }) => {
      const client = await session(o);
      if (o.receipt !== undefined) return saveReceipt(client, o.receipt, o.out, o.json === true);
      if (o.out !== undefined) throw new ProfileError('invalid_request', '--out goes with --receipt');
      const list = await client.fundingRequests();
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

async function saveReceipt(client: MeterClient, requestId: string, out: string | undefined, json: boolean): Promise<void> {
  if (!out) throw new ProfileError('invalid_request', '--receipt needs --out FILE');
  const pdf = await client.fundingReceipt(requestId);
  await writeFile(out, pdf).catch((e: Error) => {
    throw new ProfileError('out_unwritable', `cannot write ${out}: ${e.message}`);
  });
  emit(json, { requestId, receipt: out, bytes: pdf.length }, () => `Receipt ${requestId} saved to ${out}`);
}
