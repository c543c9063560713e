import { problemDocument, VaultError, type ErrorCode } from '../errors.js';
import { completeCardFunding, type Answer, type CardFundingResult } from '../services/index.js';
import type { ServerContext } from './context.js';

// The answer to a card `fund_request`: its MAC'd request committed (the pending debit is in the
// package), then the card is charged and the debit settled or cancelled. This runs for the first
// request and for every replay of it (same Idempotency-Key), so a retry after a lost answer, or
// after the processor was unreachable, finishes the same payment: one PaymentIntent, one settlement.
// A problem answer still carries the module's MAC'd answer: the client adopts its next challenge.

const AFTER_SETTLEMENT = new Set(['card_disputed', 'card_refunded']);

export async function cardFundingAnswer(ctx: ServerContext, meterId: string, committed: Answer): Promise<Answer> {
  const fr = committed.body.fundingRequest as Record<string, unknown> | undefined;
  const requestId = typeof fr?.requestId === 'string' ? fr.requestId : null;
  if (!fr || !requestId) return committed;
  const mac = { response: committed.body.response, responseMac: committed.body.responseMac };
  const problem = (code: ErrorCode, detail: string, extra: Record<string, unknown>): Answer => {
    const doc = problemDocument(code, detail, { requestId, ...extra });
    return { status: Number(doc.status), body: { ...doc, ...mac } };
  };
  let r: CardFundingResult;
  try {
    r = await completeCardFunding(ctx, meterId, requestId);
  } catch (e) {
    if (!(e instanceof VaultError)) throw e;
    return problem(e.code, e.message, e.extra);
  }
  const view = { ...fr, status: r.status, paymentIntentId: r.paymentIntentId, ...(r.returnCode ? { returnCode: r.returnCode } : {}) };
  if (r.status === 'settled' || (r.status === 'returned' && AFTER_SETTLEMENT.has(r.returnCode ?? ''))) {
    return { status: 200, body: { ...committed.body, fundingRequest: view } };
  }
  if (r.status === 'returned') {
    return problem('card_declined', r.message ?? `the card payment failed (${r.returnCode ?? 'card_declined'}); nothing was credited`, {
      paymentIntentId: r.paymentIntentId,
      returnCode: r.returnCode,
      declineCode: r.declineCode ?? null,
    });
  }
  return problem('card_payment_incomplete', `the card payment is ${r.paymentStatus ?? 'not finished'}; the value arrives when it succeeds`, {
    paymentIntentId: r.paymentIntentId,
    paymentStatus: r.paymentStatus ?? null,
  });
}
