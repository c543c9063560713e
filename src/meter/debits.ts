import { fail } from '../errors.js';

// Self-service funding by ACH debit. The package, not the database, holds what the customer asked
// to be debited and what was settled: so value arises only from a debit the customer signed for
// (a MAC'd `fund_request`), once, and only after the hold, whatever the database says. A settled
// debit is remembered through the bank's return window, so a late return suspends the meter and
// records what is owed instead of being lost.

/** How the customer pays: an ACH debit (held, the bank may return it) or a card payment (settles once confirmed). */
export type FundingMethod = 'ach' | 'card';
export const FUNDING_METHODS: readonly FundingMethod[] = ['ach', 'card'];

/** A debit the customer requested and the bank (or the card processor) has not yet settled. */
export interface PendingDebit {
  /** 32 hex characters, chosen by the client: a second request with the same id is refused. */
  readonly requestId: string;
  readonly amountMills: bigint;
  readonly requestedAtMs: number;
  /** `card` has no hold: it settles as soon as the payment is confirmed. */
  readonly method: FundingMethod;
}

/** A debit whose value is in the meter, kept while the bank may still return it. */
export interface SettledDebit {
  readonly requestId: string;
  readonly amountMills: bigint;
  readonly settledAtMs: number;
}

export interface DebitMemory {
  /** Oldest first. */
  readonly pending: readonly PendingDebit[];
  /** Oldest first. */
  readonly settled: readonly SettledDebit[];
  /** Returned after their value was downloaded: what the customer owes. */
  readonly owedMills: bigint;
}

export const NO_DEBITS: DebitMemory = { pending: [], settled: [], owedMills: 0n };

export interface DebitLimits {
  readonly maxPending: number;
  /** The sum of pending debits may not pass this. */
  readonly maxPendingMills: bigint;
  readonly maxSettled: number;
  /** A settled debit is forgotten this long after settlement (the bank's longest return window). */
  readonly returnWindowMs: number;
}

const known = (m: DebitMemory, id: string) => m.pending.some((d) => d.requestId === id) || m.settled.some((d) => d.requestId === id);

/** Settled debits still inside the return window. */
function recentSettled(m: DebitMemory, nowMs: number, limits: DebitLimits): readonly SettledDebit[] {
  return m.settled.filter((d) => nowMs - d.settledAtMs <= limits.returnWindowMs);
}

/** Record a debit the customer asked for; nothing is credited yet. */
export function requestDebit(m: DebitMemory, debit: Omit<PendingDebit, 'requestedAtMs'>, nowMs: number, limits: DebitLimits): DebitMemory {
  if (m.owedMills > 0n) fail('funding_refused', 'a debit was returned by the bank and is still owed; ask customer care');
  if (known(m, debit.requestId)) fail('funding_request_duplicate', `funding request ${debit.requestId} exists already`);
  if (m.pending.length >= limits.maxPending) fail('too_many_funding_requests', `at most ${limits.maxPending} funding requests may wait for settlement`);
  const pendingMills = m.pending.reduce((s, d) => s + d.amountMills, 0n) + debit.amountMills;
  if (pendingMills > limits.maxPendingMills)
    fail('amount_too_large', `funding requests waiting for settlement may total at most ${limits.maxPendingMills} mills`);
  const settled = recentSettled(m, nowMs, limits);
  if (m.pending.length + settled.length >= limits.maxPending + limits.maxSettled)
    fail('too_many_funding_requests', 'too many recent funding requests; retry when earlier ones are past their return window');
  return { ...m, settled, pending: [...m.pending, { ...debit, requestedAtMs: nowMs }] };
}

/** The pending debit's value may be downloaded: an ACH debit's hold since the request has passed; a card payment has none. */
export function settleDebit(
  m: DebitMemory,
  requestId: string,
  nowMs: number,
  holdMs: number,
  limits: DebitLimits,
): { memory: DebitMemory; amountMills: bigint } {
  const d = m.pending.find((p) => p.requestId === requestId);
  if (!d) fail('funding_request_unknown', `funding request ${requestId} is not waiting for settlement on this meter`);
  const hold = d.method === 'card' ? 0 : holdMs;
  if (nowMs < d.requestedAtMs + hold)
    fail('settlement_on_hold', `funding request ${requestId} is held until ${new Date(d.requestedAtMs + hold).toISOString()}`);
  const settled = [...recentSettled(m, nowMs, limits), { requestId, amountMills: d.amountMills, settledAtMs: nowMs }].slice(-limits.maxSettled);
  return { memory: { ...m, pending: m.pending.filter((p) => p !== d), settled }, amountMills: d.amountMills };
}

export type ReturnOutcome = 'cancelled' | 'owed';

/**
 * The bank returned the debit. Before settlement it is simply cancelled; after, its value is owed
 * (the caller suspends the meter). A return for a debit the package does not know is refused.
 */
export function returnDebit(m: DebitMemory, requestId: string): { memory: DebitMemory; outcome: ReturnOutcome; amountMills: bigint } {
  const pending = m.pending.find((p) => p.requestId === requestId);
  if (pending) return { memory: { ...m, pending: m.pending.filter((p) => p !== pending) }, outcome: 'cancelled', amountMills: pending.amountMills };
  const settled = m.settled.find((p) => p.requestId === requestId);
  if (!settled) fail('funding_request_unknown', `funding request ${requestId} is neither pending nor settled within the return window on this meter`);
  return {
    memory: { ...m, settled: m.settled.filter((p) => p !== settled), owedMills: m.owedMills + settled.amountMills },
    outcome: 'owed',
    amountMills: settled.amountMills,
  };
}

/**
 * A card payment that failed (declined, or abandoned): the pending debit is dropped. Nothing was
 * credited, so nothing is owed and the meter is not suspended. Only a pending card debit is
 * cancelled this way; an ACH debit comes back only as the bank's return.
 */
export function cancelDebit(m: DebitMemory, requestId: string): { memory: DebitMemory; amountMills: bigint } {
  const pending = m.pending.find((p) => p.requestId === requestId);
  if (!pending) fail('funding_request_unknown', `funding request ${requestId} is not waiting for settlement on this meter`);
  if (pending.method !== 'card') fail('invalid_request', `funding request ${requestId} is an ACH debit: only the bank returns it`);
  return { memory: { ...m, pending: m.pending.filter((p) => p !== pending) }, amountMills: pending.amountMills };
}
