import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DR_MILLS } from '../../../src/constants.js';
import { VaultError } from '../../../src/errors.js';
import { credit, debit, ZERO_REGISTERS, type Registers } from '../../../src/meter/index.js';

type Op = { kind: 'credit' | 'debit'; amount: bigint };

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('credit' as const, 'debit' as const),
  // Includes zero, negatives and amounts beyond the ceiling, so failures are exercised too.
  amount: fc.oneof(fc.bigInt({ min: -10n, max: 10n }), fc.bigInt({ min: 1n, max: 1_000_000n }), fc.bigInt({ min: 1n, max: MAX_DR_MILLS * 2n })),
});

describe('register sequences', () => {
  it('keep ar + dr = ct, dr >= 0, dr <= ceiling; failures change nothing', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        let r: Registers = ZERO_REGISTERS;
        let credited = 0n;
        let debited = 0n;
        for (const o of ops) {
          const before = r;
          try {
            r = o.kind === 'credit' ? credit(r, o.amount) : debit(r, o.amount);
            if (o.kind === 'credit') credited += o.amount;
            else debited += o.amount;
          } catch (e) {
            expect(e).toBeInstanceOf(VaultError);
            expect(['invalid_amount', 'insufficient_funds', 'balance_ceiling']).toContain((e as VaultError).code);
            expect(r).toBe(before);
            expect(r).toEqual(before);
          }
          expect(r.arMills + r.drMills).toBe(r.controlTotalMills);
          expect(r.drMills >= 0n).toBe(true);
          expect(r.arMills >= 0n).toBe(true);
          expect(r.drMills <= MAX_DR_MILLS).toBe(true);
        }
        // The control total is everything ever credited; ar is everything ever debited.
        expect(r.controlTotalMills).toBe(credited);
        expect(r.arMills).toBe(debited);
      }),
      { numRuns: 500 },
    );
  });

  it('do not mutate their input', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1000n }), (amount) => {
        const r = Object.freeze({ arMills: 0n, drMills: 5000n, controlTotalMills: 5000n });
        credit(r, amount);
        debit(r, amount);
        expect(r).toEqual({ arMills: 0n, drMills: 5000n, controlTotalMills: 5000n });
      }),
    );
  });
});
