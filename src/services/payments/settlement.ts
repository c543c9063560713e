import { MAX_SETTLEMENTS_PER_RUN, PAYMENTS_CONCURRENCY } from '../../constants.js';
import { VaultError } from '../../errors.js';
import type { DebitResult } from '../../module/index.js';
import { repo, type Q } from '../../store/index.js';
import { onMeter } from '../commit/meter-op.js';
import type { ServiceContext } from '../context.js';
import { mailDebitReturned, mailFundingReceipt } from '../mail/triggers.js';

// Settlement: a filed debit past its hold has its value downloaded by the module (op `debit`,
// action `settle`). The module checks the request is pending in the package and that its own hold
// has passed; no officer signs, because value arises only from what the customer's MAC requested.

export interface DebitOutcomeView {
  readonly requestId: string;
  readonly meterId: string;
  readonly outcome: DebitResult['outcome'] | 'refused';
  readonly amountMills: string;
  /** The refusal's code, when the module or the server refused. */
  readonly code?: string;
}

/** Run `fn` over `items`, at most `limit` at once (commands for distinct meters share module batches). */
export async function eachBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One debit op on the request's meter; a refusal is reported, not thrown (the rest of the run goes on). */
export async function debitOp(
  ctx: ServiceContext,
  r: repo.FundingRequestRow,
  action: 'settle' | 'return' | 'cancel',
  returnCode?: string,
  paymentIntentId?: string,
): Promise<DebitOutcomeView> {
  try {
    const result = await onMeter(ctx, 'debit', r.meterId, {
      args: () => ({
        requestId: r.requestId,
        action,
        ...(returnCode ? { returnCode } : {}),
        ...(paymentIntentId ? { paymentIntentId } : {}),
        logExtra: { by: 'payments' },
      }),
      answer: async ({ tx }, res) => {
        // A declined card was answered to the customer at once: no mail for a cancellation.
        await mailOutcome(tx, r, res, action === 'cancel' ? undefined : returnCode);
        return res;
      },
    });
    return { requestId: r.requestId, meterId: r.meterId, outcome: result.outcome, amountMills: result.amountMills };
  } catch (e) {
    if (!(e instanceof VaultError) || e.status >= 500) throw e;
    return { requestId: r.requestId, meterId: r.meterId, outcome: 'refused', amountMills: r.amountMills.toString(), code: e.code };
  }
}

/** The customer hears of it in the same transaction: a receipt for a settlement, what became of a returned debit. */
async function mailOutcome(tx: Q, r: repo.FundingRequestRow, res: DebitResult, returnCode?: string): Promise<void> {
  const amountMills = BigInt(res.amountMills);
  if (res.outcome === 'settled') await mailFundingReceipt(tx, r.meterId, { requestId: r.requestId, amountMills, settledAt: new Date() });
  else if (returnCode) await mailDebitReturned(tx, r.meterId, { amountMills, returnCode, outcome: res.outcome });
}

/** Settle every filed request whose hold has passed (up to MAX_SETTLEMENTS_PER_RUN; the next run takes the rest). */
export async function settleDue(ctx: ServiceContext, holdHours: number, now = new Date()): Promise<DebitOutcomeView[]> {
  const due = await repo.requestsDueForSettlement(ctx.db, holdHours * 3_600_000, now, MAX_SETTLEMENTS_PER_RUN);
  return eachBounded(due, PAYMENTS_CONCURRENCY, (r) => debitOp(ctx, r, 'settle'));
}
