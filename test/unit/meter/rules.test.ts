import { describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS, PASSWORD_HISTORY_LENGTH } from '../../../src/constants.js';
import {
  acknowledgeCredits,
  applyFund,
  applyPrint,
  applyRefund,
  applyWithdraw,
  checkClientView,
  encodePackage,
  recordFailedLogin,
  recordGoodLogin,
  requireOperational,
  rotatePassword,
  type MeterState,
} from '../../../src/meter/index.js';
import { VaultError } from '../../../src/errors.js';
import { codeOf, makePackage, verifier } from '../helpers/package.js';

const NOW = 1_750_000_000_000;
const WINDOW_MS = 30 * 86_400_000;
const refundOf = (amountMills: bigint, serial = 1n) => ({ serial, issuedMs: NOW - 86_400_000, amountMills });

describe('requireOperational', () => {
  it.each<[MeterState, string | undefined]>([
    ['operational', undefined],
    ['locked', 'meter_locked'],
    ['withdrawn', 'meter_withdrawn'],
    ['registered', 'meter_not_operational'],
  ])('%s -> %s', (state, code) => {
    expect(codeOf(() => requireOperational(makePackage({ state })))).toBe(code);
  });
});

describe('applyFund / applyPrint / applyRefund / applyWithdraw', () => {
  const p = makePackage(); // ar 1000, dr 9000, ct 10000, serial 3

  it('fund credits dr and ct and records the credit as unacknowledged', () => {
    const q = applyFund(p, 500n, NOW);
    expect(q.registers).toEqual({ arMills: 1_000n, drMills: 9_500n, controlTotalMills: 10_500n });
    expect(q.unackedCreditMills).toBe(500n);
    expect(q.lastTransactionAtMs).toBe(NOW);
    expect(applyFund(q, 1n, NOW).unackedCreditMills).toBe(501n);
  });

  it('print debits dr, credits ar and takes the next item serial', () => {
    const q = applyPrint(p, 730n, NOW);
    expect(q.registers).toEqual({ arMills: 1_730n, drMills: 8_270n, controlTotalMills: 10_000n });
    expect(q.itemSerial).toBe(4n);
    expect(q.lastTransactionAtMs).toBe(NOW);
  });

  it('refund credits dr and ct without touching ar or the serial', () => {
    const q = applyRefund(p, refundOf(730n), NOW, WINDOW_MS);
    expect(q.registers).toEqual({ arMills: 1_000n, drMills: 9_730n, controlTotalMills: 10_730n });
    expect(q.itemSerial).toBe(3n);
    expect(q.unackedCreditMills).toBe(0n);
  });

  it('refund remembers the item in the package and refuses it a second time, changing nothing', () => {
    const q = applyRefund(p, refundOf(730n, 2n), NOW, WINDOW_MS);
    expect(q.refunds.items).toEqual([{ serial: 2n, issuedMs: NOW - 86_400_000 }]);
    const before = encodePackage(q);
    expect(codeOf(() => applyRefund(q, refundOf(730n, 2n), NOW + 1, WINDOW_MS))).toBe('already_refunded');
    expect(encodePackage(q)).toEqual(before);
    expect(applyRefund(q, refundOf(100n, 3n), NOW + 1, WINDOW_MS).registers.drMills).toBe(9_830n);
  });

  it('withdraw keeps registers and ends in withdrawn', () => {
    const q = applyWithdraw(p, NOW);
    expect(q.state).toBe('withdrawn');
    expect(q.registers).toEqual(p.registers);
    expect(codeOf(() => applyPrint(q, 1n, NOW))).toBe('meter_withdrawn');
  });

  it('print refuses to overdraw and leaves the input untouched', () => {
    const before = encodePackage(p);
    expect(codeOf(() => applyPrint(p, 9_001n, NOW))).toBe('insufficient_funds');
    expect(encodePackage(p)).toEqual(before);
  });

  it.each<[string, (q: ReturnType<typeof makePackage>) => unknown]>([
    ['fund', (q) => applyFund(q, 1n, NOW)],
    ['print', (q) => applyPrint(q, 1n, NOW)],
    ['refund', (q) => applyRefund(q, refundOf(1n), NOW, WINDOW_MS)],
    ['withdraw', (q) => applyWithdraw(q, NOW)],
  ])('%s refuses a locked, withdrawn or unregistered meter', (_name, fn) => {
    expect(codeOf(() => fn(makePackage({ state: 'locked' })))).toBe('meter_locked');
    expect(codeOf(() => fn(makePackage({ state: 'withdrawn' })))).toBe('meter_withdrawn');
    expect(codeOf(() => fn(makePackage({ state: 'registered' })))).toBe('meter_not_operational');
  });

  it('acknowledgeCredits clears only the unacknowledged amount', () => {
    const q = acknowledgeCredits(applyFund(p, 500n, NOW));
    expect(q.unackedCreditMills).toBe(0n);
    expect(q.registers.drMills).toBe(9_500n);
  });
});

describe('checkClientView', () => {
  const p = makePackage();

  it('accepts the exact registers', () => {
    expect(() => checkClientView(p, { arMills: 1_000n, drMills: 9_000n })).not.toThrow();
  });

  it.each([
    [999n, 9_000n],
    [1_001n, 9_000n],
    [1_000n, 8_999n],
    [1_000n, 9_001n],
    [0n, 0n],
  ])('refuses ar=%s dr=%s as stale_registers, naming the meter registers', (ar, dr) => {
    try {
      checkClientView(p, { arMills: ar, drMills: dr });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VaultError);
      expect((e as VaultError).code).toBe('stale_registers');
      expect((e as VaultError).extra).toEqual({ meterArMills: '1000', meterDrMills: '9000' });
    }
  });

  it('accepts a view that has not yet seen operator credits, and nothing else', () => {
    const funded = applyFund(p, 500n, NOW);
    expect(() => checkClientView(funded, { arMills: 1_000n, drMills: 9_000n })).not.toThrow();
    // After a fund the client must not claim the credit it has not been told about...
    expect(codeOf(() => checkClientView(funded, { arMills: 1_000n, drMills: 9_500n }))).toBe('stale_registers');
    // ...until it is acknowledged, when only the full view matches.
    const acked = acknowledgeCredits(funded);
    expect(() => checkClientView(acked, { arMills: 1_000n, drMills: 9_500n })).not.toThrow();
    expect(codeOf(() => checkClientView(acked, { arMills: 1_000n, drMills: 9_000n }))).toBe('stale_registers');
  });

  it('accepts an old view plus unacked credits after a print in between', () => {
    const q = applyPrint(applyFund(p, 500n, NOW), 200n, NOW);
    // The client printed (so it saw the registers after the print, without the credit).
    expect(() => checkClientView(q, { arMills: 1_200n, drMills: 8_800n })).not.toThrow();
  });
});

describe('logins', () => {
  it(`locks an operational meter after ${MAX_FAILED_LOGINS} failures`, () => {
    let p = makePackage();
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      p = recordFailedLogin(p, NOW + i);
      expect(p.failedLogins).toBe(i);
      expect(p.state).toBe('operational');
    }
    p = recordFailedLogin(p, NOW + 99);
    expect(p.failedLogins).toBe(MAX_FAILED_LOGINS);
    expect(p.state).toBe('locked');
    expect(p.lastTransactionAtMs).toBe(NOW + 99);
    p = recordFailedLogin(p, NOW + 100);
    expect(p.state).toBe('locked');
  });

  it('never turns a withdrawn or registered meter into a locked one', () => {
    for (const state of ['withdrawn', 'registered'] as const) {
      let p = makePackage({ state });
      for (let i = 0; i < MAX_FAILED_LOGINS + 2; i++) p = recordFailedLogin(p, NOW);
      expect(p.state).toBe(state);
    }
  });

  it('a good login resets the counter', () => {
    let p = makePackage();
    for (let i = 0; i < MAX_FAILED_LOGINS - 1; i++) p = recordFailedLogin(p, NOW);
    p = recordGoodLogin(p, NOW + 1);
    expect(p.failedLogins).toBe(0);
    expect(p.lastTransactionAtMs).toBe(NOW + 1);
    p = recordFailedLogin(p, NOW);
    expect(p.state).toBe('operational');
  });
});

describe('rotatePassword', () => {
  it(`installs the new verifier and keeps the last ${PASSWORD_HISTORY_LENGTH}, newest first`, () => {
    let p = makePackage({ passwordVerifier: verifier(0), passwordHistory: [verifier(0)] });
    for (let i = 1; i <= 8; i++) {
      p = rotatePassword(p, verifier(i), NOW + i);
      expect(p.passwordVerifier).toEqual(verifier(i));
      expect(p.passwordHistory[0]).toEqual(verifier(i));
      expect(p.passwordHistory.length).toBe(Math.min(i + 1, PASSWORD_HISTORY_LENGTH));
    }
    expect(p.passwordHistory).toEqual([8, 7, 6, 5, 4].map(verifier));
    expect(p.lastTransactionAtMs).toBe(NOW + 8);
  });

  it('does not change registers or state', () => {
    const p = makePackage();
    const q = rotatePassword(p, verifier(9), NOW);
    expect(q.registers).toBe(p.registers);
    expect(q.state).toBe(p.state);
  });
});
