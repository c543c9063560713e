import { fail } from '../../errors.js';
import { receiptPdf } from '../../payments/index.js';
import { HEX32 } from '../../protocol/index.js';
import { repo } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import type { CustomerSession } from '../sessions.js';

// The PDF receipt of a funding that settled, made on request from the ledger's rows (nothing is
// stored): the same funding always gives the same bytes.

/** A profile's address as the lines a document prints. */
export function addressLines(a: Record<string, string> | null): string[] {
  if (!a) return [];
  const street = [a.street, a.secondary].filter(Boolean).join(' ');
  const city = [a.city, [a.state, a.zip].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return [street, city].filter(Boolean);
}

export async function fundingReceipt(ctx: ServiceContext, session: CustomerSession, requestId: string): Promise<Uint8Array> {
  const r = HEX32.test(requestId) ? await repo.receiptRow(ctx.db, requestId) : null;
  if (!r || r.meterId !== session.meterId) fail('not_found', 'no such funding request on this meter');
  if (!r.settledAt) fail('receipt_not_ready', `funding request ${requestId} is ${r.status}: a receipt is made once its debit settles`);
  return receiptPdf({
    receiptNumber: r.requestId,
    vendorName: ctx.ach.companyName,
    customer: { username: r.username, name: r.name ?? '', company: r.company ?? '', addressLines: addressLines(r.address) },
    amountMills: r.amountMills,
    requestedAt: r.requestedAt,
    settledAt: r.settledAt,
    ...(r.method === 'card'
      ? { card: { paymentIntentId: r.paymentIntentId ?? '' } }
      : { account: { routing: r.routing ?? '', last4: r.last4 ?? '', accountType: r.accountType ?? 'checking' }, traceNumber: r.traceNumber ?? '' }),
    ...(r.returnedAt && r.returnCode ? { returned: { code: r.returnCode, at: r.returnedAt, owedMills: r.owedMills } } : {}),
  });
}
