import { describe, expect, it } from 'vitest';
import { LOW_BALANCE_MILLS, MAX_FAILED_LOGINS } from '../../../src/constants.js';
import {
  careMail,
  crossedBelow,
  debitReturnedMail,
  fundingReceiptMail,
  lockedTheMeter,
  lockoutMail,
  lowBalanceMail,
  verificationMail,
} from '../../../src/services/index.js';

const at = new Date(Date.UTC(2026, 10, 29, 12));

describe('mail templates', () => {
  it('a verification mail carries the token, the command and the expiry', () => {
    const m = verificationMail({ to: 'ann@example.com', username: 'ann', token: 'tok_en-123', expiresAt: at });
    expect(m).toMatchObject({ kind: 'email_verification', to: 'ann@example.com' });
    expect(m.text).toContain('vaultmeter client verify-email --user ann --token tok_en-123');
    expect(m.text).toContain(at.toISOString());
    expect(m.subject).not.toMatch(/[\r\n]/);
  });

  it('a lockout mail says when and why, and carries no token', () => {
    const m = lockoutMail({ to: 'ann@example.com', username: 'ann', at });
    expect(m.kind).toBe('meter_locked');
    expect(m.text).toContain(`${MAX_FAILED_LOGINS} failed logins`);
    expect(m.text).toContain(at.toISOString());
    expect(m.text).not.toMatch(/token/i);
  });

  it('a customer care mail names the act, the amount and the reason; a reset mail says how to finish it', () => {
    const reset = careMail({ to: 'ann@example.com', username: 'ann', act: 'reset_password', reason: 'called in', amountMills: 0n, at });
    expect(reset.kind).toBe('password_reset');
    expect(reset.text).toContain('vaultmeter client password-reset --user ann');
    expect(reset.text).toContain('The reason recorded: called in');
    const debit = careMail({ to: 'ann@example.com', username: 'ann', act: 'adjust_balance', reason: 'duplicate', amountMills: -1250n, at });
    expect([debit.kind, debit.text.includes('took $1.250 from your meter')]).toEqual(['balance_adjusted', true]);
    const closed = careMail({ to: 'ann@example.com', username: 'ann', act: 'close_account', reason: 'asked', amountMills: 8000n, at });
    expect([closed.kind, closed.text.includes('owed back to you: $8.000')]).toEqual(['account_closed', true]);
  });

  it('a low-balance mail shows the balance and the threshold in dollars', () => {
    const m = lowBalanceMail({ to: 'ann@example.com', username: 'ann', drMills: 9540n, thresholdMills: 10_000n });
    expect(m.kind).toBe('low_balance');
    expect(m.text).toContain('$9.540');
    expect(m.text).toContain('$10.000');
  });

  it('a returned-debit mail names the amount, the reason, and what became of the meter', () => {
    const cancelled = debitReturnedMail({ to: 'ann@example.com', username: 'ann', amountMills: 50_000n, returnCode: 'R01', outcome: 'cancelled' });
    expect(cancelled.kind).toBe('debit_returned');
    expect(cancelled.subject).toContain('$50.000');
    expect(cancelled.text).toContain('R01 (Insufficient funds)');
    expect(cancelled.text).toContain('Nothing was added');
    const owed = debitReturnedMail({ to: 'ann@example.com', username: 'ann', amountMills: 50_000n, returnCode: 'R77', outcome: 'owed' });
    expect(owed.text).toContain('suspended');
    expect(owed.text).toContain('reason R77.');
  });

  it('a receipt mail names the amount and the command that saves the PDF', () => {
    const m = fundingReceiptMail({ to: 'ann@example.com', username: 'ann', requestId: 'ab'.repeat(16), amountMills: 50_000n, settledAt: at });
    expect(m).toMatchObject({ kind: 'funding_receipt', subject: 'Receipt: $50.000 added to your Vaultmeter meter' });
    expect(m.text).toContain(`vaultmeter client funding --user ann --receipt ${'ab'.repeat(16)} --out receipt.pdf`);
  });
});

describe('mail triggers', () => {
  it('a low balance is mailed once per crossing, not on every print below it', () => {
    expect(crossedBelow(10_270n, 9_540n, 10_000n)).toBe(true);
    expect(crossedBelow(10_000n, 9_999n, 10_000n)).toBe(true);
    expect(crossedBelow(9_540n, 8_810n, 10_000n)).toBe(false);
    expect(crossedBelow(20_000n, 10_000n, 10_000n)).toBe(false);
    expect(crossedBelow(LOW_BALANCE_MILLS + 1n, LOW_BALANCE_MILLS - 1n)).toBe(true);
  });

  it('the lockout is the failed login with no attempt left, as the ledger derives meter_locked', () => {
    expect(lockedTheMeter({ error: { code: 'invalid_credentials', message: '', extra: { remainingAttempts: 0 } } })).toBe(true);
    expect(lockedTheMeter({ error: { code: 'invalid_credentials', message: '', extra: { remainingAttempts: 1 } } })).toBe(false);
    expect(lockedTheMeter({ error: { code: 'meter_locked', message: '' } })).toBe(false);
    expect(lockedTheMeter({})).toBe(false);
  });
});
