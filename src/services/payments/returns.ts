import { MAX_RETURNS_PER_FILE, PAYMENTS_CONCURRENCY } from '../../constants.js';
import { fail } from '../../errors.js';
import { readReturnsFile, type AchReturn } from '../../payments/index.js';
import { repo } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import { debitOp, eachBounded, type DebitOutcomeView } from './settlement.js';

// The bank's returns file (R01 insufficient funds, R02 account closed, ...), read back. The whole
// file is checked before anything changes: a return for an entry we never sent, or for another
// amount than we debited, refuses the file. Each return then goes to the module (op `debit`,
// action `return`): before settlement the request is cancelled; after, the meter is suspended and
// the amount is recorded as owed. A file read twice changes nothing the second time.

export interface ReturnsApplied {
  readonly returns: readonly (DebitOutcomeView & { readonly returnCode: string; readonly traceNumber: string })[];
  /** Entries already returned by an earlier reading of this (or another) file. */
  readonly alreadyReturned: readonly string[];
}

export async function applyReturnsFile(ctx: ServiceContext, text: string): Promise<ReturnsApplied> {
  const reading = readReturnsFile(text, () => true);
  if (!reading.ok) fail('invalid_request', 'the returns file is not a valid NACHA file', { problems: reading.problems.slice(0, 20) });
  const returned = reading.returns.filter((r): r is AchReturn => r.kind === 'returned');
  if (returned.length > MAX_RETURNS_PER_FILE) fail('invalid_request', `a returns file may hold at most ${MAX_RETURNS_PER_FILE} returns`);
  const rows = new Map(
    (
      await repo.fundingRequestsByTrace(
        ctx.db,
        returned.map((r) => r.originalTrace),
      )
    ).map((r) => [r.traceNumber!, r]),
  );
  const unknown = returned.filter((r) => !rows.has(r.originalTrace)).map((r) => r.originalTrace);
  if (unknown.length)
    fail('return_entry_unknown', `${unknown.length} returned entries name trace numbers this installation never sent`, { traceNumbers: unknown.slice(0, 50) });
  const mismatched = returned.filter((r) => rows.get(r.originalTrace)!.amountMills !== r.amountCents * 10n).map((r) => r.originalTrace);
  if (mismatched.length)
    fail('return_entry_unknown', `${mismatched.length} returned entries carry another amount than was debited`, { traceNumbers: mismatched.slice(0, 50) });
  const alreadyReturned = returned.filter((r) => rows.get(r.originalTrace)!.status === 'returned').map((r) => r.originalTrace);
  const fresh = returned.filter((r) => rows.get(r.originalTrace)!.status !== 'returned');
  const outcomes = await eachBounded(fresh, PAYMENTS_CONCURRENCY, async (r) => ({
    ...(await debitOp(ctx, rows.get(r.originalTrace)!, 'return', r.reason)),
    returnCode: r.reason,
    traceNumber: r.originalTrace,
  }));
  return { returns: outcomes, alreadyReturned };
}
