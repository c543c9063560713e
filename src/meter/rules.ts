import { MAX_FAILED_LOGINS, PASSWORD_HISTORY_LENGTH } from '../constants.js';
import { fail } from '../errors.js';
import type { MeterPackage, PasswordVerifier, SpentNonce } from './package.js';
import { assertRegisters, credit, debit, type Registers } from './registers.js';
import { cancelDebit, requestDebit, returnDebit, settleDebit, type DebitLimits, type FundingMethod, type ReturnOutcome } from './debits.js';
import { checkRefundable, rememberRefund, type RefundedItem } from './refunds.js';

/** What the client believes the registers hold, sent (under its MAC) with every command. */
export interface ClientView {
  readonly arMills: bigint;
  readonly drMills: bigint;
}

/** Refuse anything but an operational meter, with the code that says why. */
export function requireOperational(p: MeterPackage): void {
  switch (p.state) {
    case 'operational':
      return;
    case 'locked':
      return fail('meter_locked', 'the meter is locked (too many failed logins, or by an operator)');
    case 'suspended':
      return fail('debit_returned', `the bank returned a funding debit; ${p.debits.owedMills} mills are owed; ask customer care`);
    case 'withdrawn':
      return fail('meter_withdrawn');
    case 'revoked':
      return fail('meter_revoked', 'the meter was revoked by a security officer');
    case 'registered':
      return fail('meter_not_operational', 'the meter has not completed registration');
  }
}

/**
 * The client's view must match the package exactly, except for operator credits the client has
 * not yet been told about. A rolled-back package, or a replayed old view, fails here.
 */
export function checkClientView(p: MeterPackage, view: ClientView): void {
  const r = p.registers;
  if (view.arMills !== r.arMills || view.drMills + p.unackedCreditMills !== r.drMills) {
    fail('stale_registers', "the client's registers do not match the meter", {
      meterArMills: r.arMills.toString(),
      meterDrMills: r.drMills.toString(),
    });
  }
}

function touch(p: MeterPackage, nowMs: number, registers: Registers, changes: Partial<MeterPackage> = {}): MeterPackage {
  return { ...p, ...changes, registers: assertRegisters(registers), lastTransactionAtMs: nowMs };
}

/**
 * Spend an officer statement's nonce on this meter: a replayed statement is refused, whichever
 * module it reaches, because the package carries what it has spent. Nonces older than `maxAgeMs`
 * are dropped: the statement's own age limit refuses those.
 */
export function spendOfficerNonce(p: MeterPackage, spent: SpentNonce, nowMs: number, maxAgeMs: number, max: number): MeterPackage {
  if (p.spentOfficerNonces.some((n) => n.nonce === spent.nonce)) fail('officer_statement_spent', 'this signed statement was already used on this meter');
  const kept = p.spentOfficerNonces.filter((n) => nowMs - n.timeMs <= maxAgeMs);
  if (kept.length >= max) fail('rate_limited', 'too many officer acts on this meter; retry in a few minutes');
  return { ...p, spentOfficerNonces: [...kept, spent] };
}

/**
 * A security officer returns a locked or suspended meter to service, so its balance is not
 * stranded. A suspended meter keeps what it owes on record: it requests no new debit until settled.
 */
export function applyUnlock(p: MeterPackage): MeterPackage {
  if (p.state !== 'locked' && p.state !== 'suspended') fail('invalid_request', `the meter is ${p.state}, not locked or suspended`);
  return { ...p, state: 'operational', failedLogins: 0 };
}

/** A security officer revokes the meter: the module runs no command on it again. */
export function applyRevoke(p: MeterPackage): MeterPackage {
  if (p.state === 'revoked') fail('meter_revoked', 'the meter is already revoked');
  return { ...p, state: 'revoked' };
}

/** Operator funding (the patent's postage value download). */
export function applyFund(p: MeterPackage, amountMills: bigint, nowMs: number): MeterPackage {
  requireOperational(p);
  return touch(p, nowMs, credit(p.registers, amountMills), { unackedCreditMills: p.unackedCreditMills + amountMills });
}

/**
 * Test mode: the customer credits their own sandbox meter with test value, up to `maxDrMills`.
 * Only a sandbox meter takes it; a sandbox meter takes no real value (see `refuseSandbox`).
 */
export function applyTestFund(p: MeterPackage, amountMills: bigint, nowMs: number, maxDrMills: bigint): MeterPackage {
  requireOperational(p);
  if (!p.sandbox) fail('not_sandbox', 'test funds go only to a sandbox meter; this one holds real postage value');
  if (p.registers.drMills + amountMills > maxDrMills) {
    fail('sandbox_limit', `a sandbox meter holds at most ${maxDrMills} mills of test value`, { maxDrMills: maxDrMills.toString() });
  }
  return touch(p, nowMs, credit(p.registers, amountMills));
}

/** Real value (an officer's funding, an ACH debit) never reaches a sandbox meter. */
export function refuseSandbox(p: MeterPackage, what: string): void {
  if (p.sandbox) fail('sandbox_meter', `${what}: this is a sandbox (test mode) meter, which holds only test value`);
}

/** The customer asked for an ACH debit or a card payment (nothing is credited until it settles). */
export function applyFundingRequest(
  p: MeterPackage,
  debit: { requestId: string; amountMills: bigint; method: FundingMethod },
  nowMs: number,
  limits: DebitLimits,
): MeterPackage {
  requireOperational(p);
  return touch(p, nowMs, p.registers, { debits: requestDebit(p.debits, debit, nowMs, limits) });
}

/** The debit settled after its hold: the postage value download, as an operator funding is. */
export function applySettlement(
  p: MeterPackage,
  requestId: string,
  nowMs: number,
  holdMs: number,
  limits: DebitLimits,
): { next: MeterPackage; amountMills: bigint } {
  requireOperational(p);
  const { memory, amountMills } = settleDebit(p.debits, requestId, nowMs, holdMs, limits);
  const next = touch(p, nowMs, credit(p.registers, amountMills), { debits: memory, unackedCreditMills: p.unackedCreditMills + amountMills });
  return { next, amountMills };
}

/**
 * The bank returned a debit. A revoked or withdrawn meter still records it (the debt is real); a
 * return after settlement suspends an operational or locked meter.
 */
export function applyDebitReturn(p: MeterPackage, requestId: string, nowMs: number): { next: MeterPackage; outcome: ReturnOutcome; amountMills: bigint } {
  const { memory, outcome, amountMills } = returnDebit(p.debits, requestId);
  const suspend = outcome === 'owed' && (p.state === 'operational' || p.state === 'locked');
  return { next: touch(p, nowMs, p.registers, { debits: memory, ...(suspend ? { state: 'suspended' as const } : {}) }), outcome, amountMills };
}

/** A card payment failed before any value was downloaded: the pending debit is dropped, nothing else changes. */
export function applyDebitCancel(p: MeterPackage, requestId: string, nowMs: number): { next: MeterPackage; outcome: 'cancelled'; amountMills: bigint } {
  const { memory, amountMills } = cancelDebit(p.debits, requestId);
  return { next: touch(p, nowMs, p.registers, { debits: memory }), outcome: 'cancelled', amountMills };
}

/** Debit for one item; the item takes the next serial. */
export function applyPrint(p: MeterPackage, amountMills: bigint, nowMs: number): MeterPackage {
  requireOperational(p);
  return touch(p, nowMs, debit(p.registers, amountMills), { itemSerial: p.itemSerial + 1n });
}

/** Credit back an item this meter issued, once: the package remembers it (see refunds.ts). */
export function applyRefund(p: MeterPackage, item: RefundedItem & { readonly amountMills: bigint }, nowMs: number, windowMs: number): MeterPackage {
  requireOperational(p);
  const refunded = { serial: item.serial, issuedMs: item.issuedMs };
  checkRefundable(p.refunds, refunded);
  return touch(p, nowMs, credit(p.registers, item.amountMills), { refunds: rememberRefund(p.refunds, refunded, nowMs, windowMs) });
}

export function applyWithdraw(p: MeterPackage, nowMs: number): MeterPackage {
  requireOperational(p);
  return touch(p, nowMs, p.registers, { state: 'withdrawn' });
}

/** A client command succeeded: the client now knows every credit. */
export function acknowledgeCredits(p: MeterPackage): MeterPackage {
  return { ...p, unackedCreditMills: 0n };
}

export function recordFailedLogin(p: MeterPackage, nowMs: number): MeterPackage {
  const failedLogins = p.failedLogins + 1;
  return {
    ...p,
    failedLogins,
    state: failedLogins >= MAX_FAILED_LOGINS && p.state === 'operational' ? 'locked' : p.state,
    lastTransactionAtMs: nowMs,
  };
}

export function recordGoodLogin(p: MeterPackage, nowMs: number): MeterPackage {
  return { ...p, failedLogins: 0, lastTransactionAtMs: nowMs };
}

/** Install a new password verifier, keeping the last ones so they cannot be reused. */
export function rotatePassword(p: MeterPackage, next: PasswordVerifier, nowMs: number): MeterPackage {
  const history = [next, ...p.passwordHistory].slice(0, PASSWORD_HISTORY_LENGTH);
  return { ...p, passwordVerifier: next, passwordHistory: history, lastTransactionAtMs: nowMs };
}
