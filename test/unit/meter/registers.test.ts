import { describe, expect, it } from 'vitest';
import { MAX_DR_MILLS } from '../../../src/constants.js';
import { assertRegisters, credit, debit, registersToJson, ZERO_REGISTERS, type Registers } from '../../../src/meter/index.js';
import { codeOf } from '../helpers/package.js';

const R = (ar: bigint, dr: bigint, ct = ar + dr): Registers => ({ arMills: ar, drMills: dr, controlTotalMills: ct });

describe('assertRegisters', () => {
  it('accepts consistent registers and returns them unchanged', () => {
    const r = R(5n, 10n);
    expect(assertRegisters(r)).toBe(r);
    expect(assertRegisters(ZERO_REGISTERS)).toBe(ZERO_REGISTERS);
  });

  it.each([
    ['negative ar', R(-1n, 10n, 9n)],
    ['negative dr', R(10n, -1n, 9n)],
    ['ct too small', R(5n, 5n, 9n)],
    ['ct too large', R(5n, 5n, 11n)],
    ['both negative', R(-5n, -5n, -10n)],
  ])('refuses %s with invariant_violation', (_name, r) => {
    expect(codeOf(() => assertRegisters(r))).toBe('invariant_violation');
  });
});

describe('credit', () => {
  it('adds to dr and the control total, leaving ar', () => {
    expect(credit(R(3n, 4n), 5n)).toEqual(R(3n, 9n, 12n));
  });

  it.each([0n, -1n])('refuses amount %s', (amount) => {
    expect(codeOf(() => credit(R(0n, 0n), amount))).toBe('invalid_amount');
  });

  it('allows dr to reach the ceiling exactly but not beyond', () => {
    expect(credit(R(0n, MAX_DR_MILLS - 1n), 1n).drMills).toBe(MAX_DR_MILLS);
    expect(codeOf(() => credit(R(0n, MAX_DR_MILLS), 1n))).toBe('balance_ceiling');
    expect(codeOf(() => credit(R(7n, 1n), MAX_DR_MILLS))).toBe('balance_ceiling');
  });

  it('bounds dr, not ar: a meter that printed a lot can still be funded', () => {
    expect(credit(R(MAX_DR_MILLS * 3n, 0n), MAX_DR_MILLS).drMills).toBe(MAX_DR_MILLS);
  });

  it('refuses broken input registers', () => {
    expect(codeOf(() => credit(R(1n, 1n, 5n), 1n))).toBe('invariant_violation');
  });
});

describe('debit', () => {
  it('moves value from dr to ar, control total unchanged', () => {
    expect(debit(R(3n, 10n), 4n)).toEqual(R(7n, 6n, 13n));
  });

  it('may empty dr exactly', () => {
    expect(debit(R(0n, 10n), 10n)).toEqual(R(10n, 0n, 10n));
  });

  it('refuses to overdraw', () => {
    expect(codeOf(() => debit(R(0n, 10n), 11n))).toBe('insufficient_funds');
    expect(codeOf(() => debit(ZERO_REGISTERS, 1n))).toBe('insufficient_funds');
  });

  it.each([0n, -5n])('refuses amount %s', (amount) => {
    expect(codeOf(() => debit(R(0n, 10n), amount))).toBe('invalid_amount');
  });
});

describe('registersToJson', () => {
  it('writes decimal strings', () => {
    expect(registersToJson(R(1n, 2n))).toEqual({ arMills: '1', drMills: '2', controlTotalMills: '3' });
  });
});
