import { MAX_FUNDING_REQUESTS_LISTED } from '../../constants.js';
import { fail } from '../../errors.js';
import { UUID } from '../../protocol/index.js';
import { repo } from '../../store/index.js';
import type { Answer, Remember } from '../answer.js';
import { runMeterCommand, type CommandInput } from '../meter-commands.js';
import type { ServiceContext } from '../context.js';

// A customer funds their meter from their bank account: a MAC'd `fund_request` the module keeps in
// the package as a pending debit. The next NACHA file carries it to the bank; after the hold the
// module downloads its value (settlement.ts); a return takes it back (returns.ts).

export function requestFunding(ctx: ServiceContext, customerId: bigint, meterId: string, input: CommandInput, remember: Remember): Promise<Answer> {
  return runMeterCommand(ctx, meterId, input, remember, {
    async args(meter, { tx }) {
      // A sandbox meter holds test value only (the module refuses it too): no debit is ever drawn for it.
      if (meter.sandbox) fail('sandbox_meter', 'a sandbox (test mode) meter is not funded by ACH or card; use test_fund');
      // A card payment names no account (the module checks its PaymentMethod); the server has its processor (checked before the batch).
      if (input.params.method === 'card') return {};
      // The bank account is the customer's own, and still on file; the module checks the rest.
      const id = input.params.bankAccountId ?? '';
      const account = UUID.test(id) ? await repo.findBankAccount(tx, customerId, id) : null;
      if (!account) fail('not_found', 'no such bank account on file; add one with POST /v1/bank-accounts');
      return {};
    },
    onOk: (_scope, r) => {
      const x = r.response.result;
      if (x.method === 'card')
        return { fundingRequest: { requestId: x.requestId, amountMills: x.amountMills, method: 'card', status: 'requested', settleAfter: x.settleAfter } };
      return {
        fundingRequest: { requestId: x.requestId, amountMills: x.amountMills, bankAccountId: x.bankAccountId, status: 'requested', settleAfter: x.settleAfter },
      };
    },
  });
}

export interface FundingRequestView {
  readonly requestId: string;
  readonly amountMills: string;
  /** Null for a card payment. */
  readonly bankAccountId: string | null;
  readonly method: repo.FundingMethod;
  /** The Stripe PaymentIntent of a card payment, once it settled or failed. */
  readonly paymentIntentId: string | null;
  readonly status: repo.FundingStatus;
  readonly requestedAt: string;
  readonly traceNumber: string | null;
  readonly filedAt: string | null;
  readonly settledAt: string | null;
  readonly returnedAt: string | null;
  readonly returnCode: string | null;
  readonly owedMills: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function fundingRequestView(r: repo.FundingRequestRow): FundingRequestView {
  return {
    requestId: r.requestId,
    amountMills: r.amountMills.toString(),
    bankAccountId: r.bankAccountId,
    method: r.method,
    paymentIntentId: r.paymentIntentId,
    status: r.status,
    requestedAt: r.requestedAt.toISOString(),
    traceNumber: r.traceNumber,
    filedAt: iso(r.filedAt),
    settledAt: iso(r.settledAt),
    returnedAt: iso(r.returnedAt),
    returnCode: r.returnCode,
    owedMills: r.owedMills.toString(),
  };
}

/** A meter's funding requests, newest first. */
export async function listFunding(ctx: ServiceContext, meterId: string): Promise<FundingRequestView[]> {
  return (await repo.listFundingRequests(ctx.db, meterId, MAX_FUNDING_REQUESTS_LISTED)).map(fundingRequestView);
}
