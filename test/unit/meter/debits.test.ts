import { describe, expect, it } from 'vitest';
import {
  applyDebitCancel,
  applyDebitReturn,
  applyFundingRequest,
  applySettlement,
  applyUnlock,
  NO_DEBITS,
  requestDebit,
  returnDebit,
  settleDebit,
  type DebitLimits,
} from '../../../src/meter/index.js';
import { codeOf, makePackage } from '../helpers/package.js';

const DAY = 86_400_000;
const LIMITS: DebitLimits = { maxPending: 3, maxPendingMills: 10_000n, maxSettled: 4, returnWindowMs: 60 * DAY };
const id = (n: number) => n.toString(16).padStart(32, '0');
const T0 = 1_800_000_000_000;

describe('ACH debits in the package', () => {
  it('a request credits nothing; settlement after the hold credits dr once, as unacknowledged credit', () => {
    const p = makePackage();
    const requested = applyFundingRequest(p, { requestId: id(1), amountMills: 2_500n, method: 'ach' }, T0, LIMITS);
    expect(requested.registers).toEqual(p.registers);
    expect(requested.debits.pending).toEqual([{ requestId: id(1), amountMills: 2_500n, requestedAtMs: T0, method: 'ach' }]);
    expect(codeOf(() => applySettlement(requested, id(1), T0 + DAY - 1, DAY, LIMITS))).toBe('settlement_on_hold');
    const { next, amountMills } = applySettlement(requested, id(1), T0 + DAY, DAY, LIMITS);
    expect(amountMills).toBe(2_500n);
    expect(next.registers.drMills).toBe(p.registers.drMills + 2_500n);
    expect(next.registers.controlTotalMills).toBe(p.registers.controlTotalMills + 2_500n);
    expect(next.unackedCreditMills).toBe(p.unackedCreditMills + 2_500n);
    expect(next.debits.pending).toEqual([]);
    // A second settlement of the same request, and a request reusing its id, are refused.
    expect(codeOf(() => applySettlement(next, id(1), T0 + 2 * DAY, DAY, LIMITS))).toBe('funding_request_unknown');
    expect(codeOf(() => applyFundingRequest(next, { requestId: id(1), amountMills: 1n, method: 'ach' }, T0 + 2 * DAY, LIMITS))).toBe(
      'funding_request_duplicate',
    );
  });

  it('bounds the pending requests by count and by total', () => {
    let m = NO_DEBITS;
    for (let i = 1; i <= 3; i++) m = requestDebit(m, { requestId: id(i), amountMills: 1_000n, method: 'ach' }, T0, LIMITS);
    expect(codeOf(() => requestDebit(m, { requestId: id(9), amountMills: 1n, method: 'ach' }, T0, LIMITS))).toBe('too_many_funding_requests');
    const one = requestDebit(NO_DEBITS, { requestId: id(1), amountMills: 9_000n, method: 'ach' }, T0, LIMITS);
    expect(codeOf(() => requestDebit(one, { requestId: id(2), amountMills: 1_001n, method: 'ach' }, T0, LIMITS))).toBe('amount_too_large');
  });

  it('a return before settlement cancels the request; after, it suspends the meter and records the debt', () => {
    const p = applyFundingRequest(
      applyFundingRequest(makePackage(), { requestId: id(1), amountMills: 700n, method: 'ach' }, T0, LIMITS),
      { requestId: id(2), amountMills: 900n, method: 'ach' },
      T0,
      LIMITS,
    );
    const cancelled = applyDebitReturn(p, id(1), T0 + 1);
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.next.state).toBe('operational');
    expect(cancelled.next.registers).toEqual(p.registers);
    const settled = applySettlement(cancelled.next, id(2), T0 + DAY, 0, LIMITS).next;
    const owed = applyDebitReturn(settled, id(2), T0 + 2 * DAY);
    expect(owed.outcome).toBe('owed');
    expect(owed.next.state).toBe('suspended');
    expect(owed.next.debits.owedMills).toBe(900n);
    // The value stays in the registers (the items it buys are real); the package refuses further work.
    expect(owed.next.registers).toEqual(settled.registers);
    expect(codeOf(() => applyFundingRequest(owed.next, { requestId: id(3), amountMills: 1n, method: 'ach' }, T0 + 3 * DAY, LIMITS))).toBe('debit_returned');
    // A second return of the same entry, and a return for a request never made, are refused.
    expect(codeOf(() => applyDebitReturn(owed.next, id(2), T0 + 3 * DAY))).toBe('funding_request_unknown');
    expect(codeOf(() => applyDebitReturn(owed.next, id(7), T0 + 3 * DAY))).toBe('funding_request_unknown');
    // An officer may return the meter to service; the debt stays on record and no new debit is taken.
    const unlocked = applyUnlock(owed.next);
    expect(unlocked.state).toBe('operational');
    expect(codeOf(() => applyFundingRequest(unlocked, { requestId: id(3), amountMills: 1n, method: 'ach' }, T0 + 3 * DAY, LIMITS))).toBe('funding_refused');
  });

  it('forgets settled debits after the return window, within the bound', () => {
    let m = NO_DEBITS;
    for (let i = 1; i <= 6; i++) {
      m = requestDebit(m, { requestId: id(i), amountMills: 10n, method: 'ach' }, T0 + i, LIMITS);
      m = settleDebit(m, id(i), T0 + i, 0, LIMITS).memory;
    }
    expect(m.settled.map((d) => d.requestId)).toEqual([id(3), id(4), id(5), id(6)]);
    const later = requestDebit(m, { requestId: id(10), amountMills: 10n, method: 'ach' }, T0 + 61 * DAY, LIMITS);
    expect(later.settled).toEqual([]);
    expect(codeOf(() => returnDebit(later, id(6)))).toBe('funding_request_unknown');
  });

  it('a request needs an operational meter', () => {
    expect(codeOf(() => applyFundingRequest(makePackage({ state: 'locked' }), { requestId: id(1), amountMills: 1n, method: 'ach' }, T0, LIMITS))).toBe(
      'meter_locked',
    );
  });
});

describe('card payments in the package', () => {
  it('a card debit has no hold: it settles at once, once', () => {
    const p = makePackage();
    const requested = applyFundingRequest(p, { requestId: id(7), amountMills: 4_000n, method: 'card' }, T0, LIMITS);
    expect(requested.debits.pending).toEqual([{ requestId: id(7), amountMills: 4_000n, requestedAtMs: T0, method: 'card' }]);
    const { next } = applySettlement(requested, id(7), T0, 72 * 3_600_000, LIMITS);
    expect(next.registers.drMills).toBe(p.registers.drMills + 4_000n);
    expect(codeOf(() => applySettlement(next, id(7), T0, 0, LIMITS))).toBe('funding_request_unknown');
    // An ACH debit beside it still waits for its hold.
    const ach = applyFundingRequest(next, { requestId: id(8), amountMills: 1_000n, method: 'ach' }, T0, LIMITS);
    expect(codeOf(() => applySettlement(ach, id(8), T0 + 1, DAY, LIMITS))).toBe('settlement_on_hold');
  });

  it('a failed card payment cancels the pending debit: nothing credited, nothing owed, not suspended', () => {
    const p = makePackage();
    const requested = applyFundingRequest(p, { requestId: id(9), amountMills: 4_000n, method: 'card' }, T0, LIMITS);
    const { next, outcome, amountMills } = applyDebitCancel(requested, id(9), T0 + 1);
    expect([outcome, amountMills]).toEqual(['cancelled', 4_000n]);
    expect(next.registers).toEqual(p.registers);
    expect(next.debits).toEqual({ pending: [], settled: [], owedMills: 0n });
    expect(next.state).toBe(p.state);
    // Cancelled once: again, or after settlement, it is unknown; an ACH debit is only ever returned by the bank.
    expect(codeOf(() => applyDebitCancel(next, id(9), T0 + 2))).toBe('funding_request_unknown');
    const settled = applySettlement(applyFundingRequest(p, { requestId: id(10), amountMills: 10n, method: 'card' }, T0, LIMITS), id(10), T0, 0, LIMITS).next;
    expect(codeOf(() => applyDebitCancel(settled, id(10), T0 + 1))).toBe('funding_request_unknown');
    const ach = applyFundingRequest(p, { requestId: id(11), amountMills: 10n, method: 'ach' }, T0, LIMITS);
    expect(codeOf(() => applyDebitCancel(ach, id(11), T0 + 1))).toBe('invalid_request');
  });

  it('a dispute after settlement is a return: owed, and the meter suspended', () => {
    const p = makePackage();
    const settled = applySettlement(applyFundingRequest(p, { requestId: id(12), amountMills: 2_000n, method: 'card' }, T0, LIMITS), id(12), T0, 0, LIMITS).next;
    const { next, outcome } = applyDebitReturn(settled, id(12), T0 + DAY);
    expect([outcome, next.debits.owedMills, next.state]).toEqual(['owed', 2_000n, 'suspended']);
  });
});
