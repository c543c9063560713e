import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ProfileError, type MeterClient } from '../../sdk/index.js';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

interface FundOptions extends Common {
  amount?: string;
  bankAccount?: string;
  card?: boolean;
  paymentMethod?: string;
}

export function clientFund(client: Command): void {
  withCommon(
    client
      .command('fund')
      .description(
        'fund the meter: from a bank account on file (an ACH debit: the value arrives after the settlement hold), or by card (--card: charged at once through Stripe)',
      )
      .argument('[amount]', 'amount in dollars, e.g. 50.00 (or --amount)')
      .option('--amount <dollars>', 'amount in dollars, e.g. 50.00')
      .option('--bank-account <id>', 'the bank account id (see `client bank-accounts list`), for an ACH debit')
      .option('--card', 'pay by card instead (needs --payment-method; the server must have STRIPE_SECRET_KEY)')
      .option('--payment-method <id>', "the card's Stripe PaymentMethod id (pm_...; Stripe Elements gives one, or Stripe's test pm_card_visa)"),
  ).action(
    action(async (positional: string | undefined, o: FundOptions) => {
      const dollars = positional ?? o.amount;
      if (dollars === undefined || (positional !== undefined && o.amount !== undefined))
        throw new ProfileError('invalid_request', 'give the amount once: `client fund 50.00` or `--amount 50.00`');
      const amountMills = parseDollarsToMills(dollars);
      if (o.card) return fundByCard(o, amountMills);
      if (o.paymentMethod !== undefined) throw new ProfileError('invalid_request', '--payment-method goes with --card');
      if (o.bankAccount === undefined) throw new ProfileError('invalid_request', 'name the bank account (--bank-account ID), or pay by --card');
      const r = await (await session(o)).requestFunding({ amountMills, bankAccountId: o.bankAccount });
      emit(
        o.json === true,
        { requestId: r.requestId, amountMills: r.amountMills.toString(), bankAccountId: r.bankAccountId, status: 'requested', settleAfter: r.settleAfter },
        () => `Requested a debit of $${formatMills(r.amountMills)} (request ${r.requestId}); the value arrives after ${r.settleAfter}`,
      );
    }),
  );
}

async function fundByCard(o: FundOptions, amountMills: bigint): Promise<void> {
  if (o.bankAccount !== undefined) throw new ProfileError('invalid_request', '--card and --bank-account are two ways to pay: choose one');
  if (!o.paymentMethod) throw new ProfileError('invalid_request', '--card needs --payment-method pm_...');
  const client = await session(o);
  const r = await client.requestCardFunding({ amountMills, paymentMethod: o.paymentMethod });
  // The settlement credited the meter after the request's own MAC'd answer: the next answer shows it.
  const balance = await client.balance();
  emit(
    o.json === true,
    {
      requestId: r.requestId,
      amountMills: r.amountMills.toString(),
      method: 'card',
      status: r.status,
      paymentIntentId: r.paymentIntentId,
      drMills: balance.drMills.toString(),
    },
    () => `Paid $${formatMills(r.amountMills)} by card (request ${r.requestId}, ${r.status}); the meter now holds $${formatMills(balance.drMills)}`,
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
