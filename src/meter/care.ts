import { MAX_DR_MILLS } from '../constants.js';
import { fail } from '../errors.js';
import type { MeterPackage, PasswordVerifier } from './package.js';
import { assertRegisters, credit, type Registers } from './registers.js';
import { refuseSandbox } from './rules.js';

// Customer care on a meter (issue 14 item 2): each act runs only on two officers' statement,
// checked by the module before these pure rules see the package. None of them creates value that
// the control total does not show: an adjustment moves the control total by exactly its amount, and
// a closure takes the whole remaining balance out (to be paid back to the customer).

/** States customer care may act on: a meter still holding its customer's value. */
const CARED_FOR: ReadonlySet<MeterPackage['state']> = new Set(['operational', 'locked', 'suspended']);

function requireCaredFor(p: MeterPackage): void {
  if (!CARED_FOR.has(p.state)) fail('meter_not_operational', `the meter is ${p.state}: customer care acts only on an operational, locked or suspended meter`);
}

/**
 * A new password the module drew, installed in place of the forgotten one. A meter locked by bad
 * passwords returns to service; a suspended one stays suspended (what it owes is not care's to forgive).
 */
export function applyPasswordReset(p: MeterPackage, next: PasswordVerifier, nowMs: number): MeterPackage {
  requireCaredFor(p);
  if (!p.clientMacKey) fail('meter_not_operational', 'the meter has not completed registration');
  return {
    ...p,
    passwordVerifier: next,
    // The history is kept: the customer's own new password may still not repeat an old one.
    failedLogins: 0,
    state: p.state === 'locked' ? 'operational' : p.state,
    lastTransactionAtMs: nowMs,
  };
}

/**
 * A balance adjustment: a credit raises dr and the control total, a debit lowers both. The client
 * learns of either in its next module answer (`unackedCreditMills` may go negative for a debit).
 */
export function applyAdjustment(p: MeterPackage, deltaMills: bigint, nowMs: number): MeterPackage {
  requireCaredFor(p);
  // Test value is free: there is nothing real to correct, and a credit would be counted as funded.
  refuseSandbox(p, 'a balance adjustment');
  if (deltaMills === 0n) fail('invalid_amount', 'an adjustment is not zero');
  const registers = deltaMills > 0n ? credit(p.registers, deltaMills) : withdrawValue(p.registers, -deltaMills);
  return { ...p, registers, unackedCreditMills: p.unackedCreditMills + deltaMills, lastTransactionAtMs: nowMs };
}

export interface Closure {
  readonly next: MeterPackage;
  /** What the customer is paid back: the balance less what they owe for returned debits. */
  readonly refundMills: bigint;
  /** What the customer still owes after the balance is netted against it. */
  readonly owedMills: bigint;
  /** The whole balance taken out of dr (the refund plus what was netted against the debt). */
  readonly balanceMills: bigint;
}

/**
 * Close the account: the meter is withdrawn with an empty descending register. A debit still
 * pending at the bank is refused (it could settle onto a closed meter); what is owed is netted first.
 */
export function applyClose(p: MeterPackage, nowMs: number): Closure {
  requireCaredFor(p);
  if (p.debits.pending.length > 0)
    fail('funding_pending', `${p.debits.pending.length} ACH debit(s) are still pending; close the account once they settle or return`);
  const balanceMills = p.registers.drMills;
  const nettedMills = balanceMills < p.debits.owedMills ? balanceMills : p.debits.owedMills;
  // A sandbox meter's balance is test value: closing it owes the customer nothing.
  const owedBackMills = p.sandbox ? 0n : balanceMills - nettedMills;
  const registers = balanceMills > 0n ? withdrawValue(p.registers, balanceMills) : p.registers;
  const next: MeterPackage = {
    ...p,
    registers,
    debits: { ...p.debits, owedMills: p.debits.owedMills - nettedMills },
    unackedCreditMills: 0n,
    state: 'withdrawn',
    lastTransactionAtMs: nowMs,
  };
  return { next, refundMills: owedBackMills, owedMills: next.debits.owedMills, balanceMills };
}

/** Take value out of dr and the control total together (never out of ar: printed value stays printed). */
function withdrawValue(r: Registers, amountMills: bigint): Registers {
  if (amountMills > r.drMills) fail('insufficient_funds', `the meter holds ${r.drMills} mills, the adjustment takes ${amountMills}`);
  if (amountMills > MAX_DR_MILLS) fail('invalid_amount', 'the amount is beyond any balance');
  return assertRegisters({ arMills: r.arMills, drMills: r.drMills - amountMills, controlTotalMills: r.controlTotalMills - amountMills });
}
