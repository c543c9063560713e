import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DR_MILLS, MAX_FAILED_LOGINS } from '../../../src/constants.js';
import { VaultError } from '../../../src/errors.js';
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
  type MeterPackage,
} from '../../../src/meter/index.js';
import { makePackage } from '../helpers/package.js';

type Step = { t: 'fund' | 'print' | 'refund'; amount: bigint } | { t: 'withdraw' | 'ack' | 'badLogin' | 'goodLogin' };

const amount = fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.bigInt({ min: 1n, max: 20_000n }), fc.bigInt({ min: 1n, max: MAX_DR_MILLS }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constantFrom('fund' as const, 'print' as const, 'refund' as const), amount }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom('withdraw' as const, 'ack' as const, 'badLogin' as const, 'goodLogin' as const) }) },
);

function apply(p: MeterPackage, s: Step, now: number): MeterPackage {
  switch (s.t) {
    case 'fund':
      return applyFund(p, s.amount, now);
    case 'print':
      return applyPrint(p, s.amount, now);
    case 'refund':
      return applyRefund(p, { serial: BigInt(now), issuedMs: now, amountMills: s.amount }, now, 30 * 86_400_000);
    case 'withdraw':
      return applyWithdraw(p, now);
    case 'ack':
      return acknowledgeCredits(p);
    case 'badLogin':
      return recordFailedLogin(p, now);
    case 'goodLogin':
      return recordGoodLogin(p, now);
  }
}

describe('transaction rules over random sequences', () => {
  it('keep the register invariants, and a refused step changes nothing', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), (steps) => {
        let p = makePackage({ registers: { arMills: 0n, drMills: 0n, controlTotalMills: 0n }, itemSerial: 0n });
        let now = 1_750_000_000_000;
        let prints = 0n;
        for (const s of steps) {
          now += 1000;
          const before = encodePackage(p);
          try {
            const q = apply(p, s, now);
            if (s.t === 'print') prints++;
            // As the module does: a client command's response tells the client every credit.
            p = s.t === 'fund' || s.t === 'ack' ? q : acknowledgeCredits(q);
          } catch (e) {
            expect(e).toBeInstanceOf(VaultError);
            expect(encodePackage(p)).toEqual(before);
          }
          const r = p.registers;
          expect(r.arMills + r.drMills).toBe(r.controlTotalMills);
          expect(r.drMills >= 0n && r.arMills >= 0n).toBe(true);
          expect(r.drMills <= MAX_DR_MILLS).toBe(true);
          expect(p.itemSerial).toBe(prints);
          expect(p.unackedCreditMills >= 0n && p.unackedCreditMills <= r.drMills).toBe(true);
          if (p.state === 'locked') expect(p.failedLogins).toBeGreaterThanOrEqual(MAX_FAILED_LOGINS);
          // The view that excludes unacked credits is always accepted.
          expect(() => checkClientView(p, { arMills: r.arMills, drMills: r.drMills - p.unackedCreditMills })).not.toThrow();
        }
      }),
      { numRuns: 400 },
    );
  });

  it('accept exactly one client view for any package', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.bigInt({ min: 0n, max: 20_000n }),
        fc.bigInt({ min: 0n, max: 20_000n }),
        (ar, dr, unacked, viewAr, viewDr) => {
          fc.pre(unacked <= dr);
          const p = makePackage({ registers: { arMills: ar, drMills: dr, controlTotalMills: ar + dr }, unackedCreditMills: unacked });
          let accepted = true;
          try {
            checkClientView(p, { arMills: viewAr, drMills: viewDr });
          } catch (e) {
            expect((e as VaultError).code).toBe('stale_registers');
            accepted = false;
          }
          expect(accepted).toBe(viewAr === ar && viewDr === dr - unacked);
        },
      ),
    );
  });
});
