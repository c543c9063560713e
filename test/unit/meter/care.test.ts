import { describe, expect, it } from 'vitest';
import { applyAdjustment, applyClose, applyPasswordReset, type MeterPackage } from '../../../src/meter/index.js';
import { vaultError } from '../helpers/vault-error.js';
import { makePackage } from '../helpers/package.js';

const expectVaultError = (fn: () => unknown, code: string) => vaultError(Promise.resolve().then(fn), code);

const verifier = { salt: Buffer.alloc(16, 1), hash: Buffer.alloc(32, 2) };

function withBalance(drMills: bigint, changes: Partial<MeterPackage> = {}): MeterPackage {
  const p = makePackage();
  return { ...p, registers: { arMills: 300n, drMills, controlTotalMills: 300n + drMills }, state: 'operational', ...changes };
}

describe('customer care rules on the package', () => {
  it('an adjustment moves dr and the control total together, and never ar', async () => {
    const up = applyAdjustment(withBalance(1000n), 250n, 1);
    expect(up.registers).toEqual({ arMills: 300n, drMills: 1250n, controlTotalMills: 1550n });
    expect(up.unackedCreditMills).toBe(250n);
    const down = applyAdjustment(withBalance(1000n), -1000n, 1);
    expect(down.registers).toEqual({ arMills: 300n, drMills: 0n, controlTotalMills: 300n });
    expect(down.unackedCreditMills).toBe(-1000n);
    await expectVaultError(() => applyAdjustment(withBalance(1000n), -1001n, 1), 'insufficient_funds');
    await expectVaultError(() => applyAdjustment(withBalance(1000n), 0n, 1), 'invalid_amount');
  });

  it('closing nets what is owed against the balance and refuses while a debit is pending', async () => {
    const owing = withBalance(1000n, { debits: { pending: [], settled: [], owedMills: 400n } });
    const c = applyClose(owing, 1);
    expect([c.refundMills, c.owedMills, c.next.state, c.next.registers.drMills]).toEqual([600n, 0n, 'withdrawn', 0n]);
    const deep = applyClose(withBalance(100n, { debits: { pending: [], settled: [], owedMills: 400n } }), 1);
    expect([deep.refundMills, deep.owedMills]).toEqual([0n, 300n]);
    const pending = withBalance(1000n, {
      debits: { pending: [{ requestId: 'a'.repeat(32), amountMills: 10n, requestedAtMs: 0, method: 'ach' as const }], settled: [], owedMills: 0n },
    });
    await expectVaultError(() => applyClose(pending, 1), 'funding_pending');
  });

  it('a sandbox meter takes no adjustment, and closing it owes nothing back: its balance is test value', async () => {
    await expectVaultError(() => applyAdjustment(withBalance(1000n, { sandbox: true }), 250n, 1), 'sandbox_meter');
    const closed = applyClose(withBalance(1000n, { sandbox: true }), 1);
    expect([closed.refundMills, closed.balanceMills, closed.next.registers.drMills]).toEqual([0n, 1000n, 0n]);
  });

  it('a password reset unlocks a locked meter, keeps a suspended one suspended, and refuses a withdrawn one', async () => {
    expect(applyPasswordReset(withBalance(0n, { state: 'locked', failedLogins: 5 }), verifier, 1)).toMatchObject({ state: 'operational', failedLogins: 0 });
    expect(applyPasswordReset(withBalance(0n, { state: 'suspended' }), verifier, 1).state).toBe('suspended');
    await expectVaultError(() => applyPasswordReset(withBalance(0n, { state: 'withdrawn' }), verifier, 1), 'meter_not_operational');
  });
});
