import { MAX_DR_MILLS } from '../constants.js';
import { fail } from '../errors.js';

/** The patent's ascending and descending registers plus the control total, all in mills. */
export interface Registers {
  readonly arMills: bigint;
  readonly drMills: bigint;
  readonly controlTotalMills: bigint;
}

export const ZERO_REGISTERS: Registers = { arMills: 0n, drMills: 0n, controlTotalMills: 0n };

/** Fails closed on any broken register invariant. Called after every read and every write. */
export function assertRegisters(r: Registers): Registers {
  if (r.arMills < 0n || r.drMills < 0n) fail('invariant_violation', 'a register is negative');
  if (r.arMills + r.drMills !== r.controlTotalMills) fail('invariant_violation', 'ar + dr differs from the control total');
  return r;
}

/** Credit the descending register (funding or a refund): the control total grows by the same amount. */
export function credit(r: Registers, amountMills: bigint): Registers {
  assertPositive(amountMills);
  if (r.drMills + amountMills > MAX_DR_MILLS) fail('balance_ceiling', `the meter may hold at most ${MAX_DR_MILLS} mills`);
  return assertRegisters({
    arMills: r.arMills,
    drMills: r.drMills + amountMills,
    controlTotalMills: r.controlTotalMills + amountMills,
  });
}

/** Move value from the descending to the ascending register (a print). */
export function debit(r: Registers, amountMills: bigint): Registers {
  assertPositive(amountMills);
  if (amountMills > r.drMills) fail('insufficient_funds', `the meter holds ${r.drMills} mills, the item needs ${amountMills}`);
  return assertRegisters({
    arMills: r.arMills + amountMills,
    drMills: r.drMills - amountMills,
    controlTotalMills: r.controlTotalMills,
  });
}

function assertPositive(amountMills: bigint): void {
  if (amountMills <= 0n) fail('invalid_amount', 'the amount must be greater than zero');
}

export function registersToJson(r: Registers): { arMills: string; drMills: string; controlTotalMills: string } {
  return { arMills: r.arMills.toString(), drMills: r.drMills.toString(), controlTotalMills: r.controlTotalMills.toString() };
}
