import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePackage, encodePackage, METER_STATES, NO_DEBITS, NO_REFUNDS, type MeterPackage } from '../../../src/meter/index.js';
import { codeOf, makePackage, verifier } from '../helpers/package.js';

function reencodeWith(p: MeterPackage, edit: (doc: Record<string, unknown>) => void): Buffer {
  const doc = JSON.parse(encodePackage(p).toString('utf8')) as Record<string, unknown>;
  edit(doc);
  return Buffer.from(JSON.stringify(doc));
}

describe('package encoding', () => {
  it('round-trips a fully populated package', () => {
    const p = makePackage({
      pendingRegistration: { ephemeralPrivateKeyPkcs8: Buffer.from('eph'), clientNonce: Buffer.alloc(32, 3), expiresAtMs: 42, sandbox: true },
      passwordHistory: [verifier(1), verifier(2), verifier(3)],
      lastAuditAtMs: 99,
      unackedCreditMills: 500n,
      loginChallenge: Buffer.alloc(32, 0x4c),
      refunds: {
        items: [
          { serial: 2n, issuedMs: 1_700_000_000_000 },
          { serial: 2n ** 63n, issuedMs: 1_700_086_400_000 },
        ],
        floorMs: 1_699_000_000_001,
      },
    });
    expect(decodePackage(encodePackage(p))).toEqual(p);
  });

  it('opens a format 1 package, sealed before refunds were remembered, with none remembered', () => {
    const v1 = reencodeWith(makePackage(), (d) => {
      d.f = 1;
      delete d.refunds;
    });
    expect(decodePackage(v1)).toEqual(makePackage({ refunds: NO_REFUNDS }));
    expect(JSON.parse(encodePackage(decodePackage(v1)).toString('utf8')).f).toBe(5);
  });

  it('opens a format 2 package, sealed before ACH debits, with none pending, settled or owed', () => {
    const withDebits = makePackage({
      debits: { pending: [{ requestId: 'a'.repeat(32), amountMills: 5n, requestedAtMs: 1, method: 'ach' }], settled: [], owedMills: 7n },
    });
    const v2 = reencodeWith(withDebits, (d) => {
      d.f = 2;
      delete d.debits;
    });
    expect(decodePackage(v2)).toEqual(makePackage({ debits: NO_DEBITS }));
  });

  it('opens a format 3 package, sealed before test mode, as a real meter (and a pending registration as not sandbox)', () => {
    const pending = { ephemeralPrivateKeyPkcs8: Buffer.from('eph'), clientNonce: Buffer.alloc(32, 3), expiresAtMs: 42, sandbox: false };
    const v3 = reencodeWith(makePackage({ sandbox: true, pendingRegistration: { ...pending, sandbox: true } }), (d) => {
      d.f = 3;
      delete d.sandbox;
      delete (d.pendingRegistration as Record<string, unknown>).sandbox;
    });
    expect(decodePackage(v3)).toEqual(makePackage({ sandbox: false, pendingRegistration: pending }));
  });

  it('round-trips a sandbox meter, and refuses a sandbox flag that is not a boolean', () => {
    const p = makePackage({ sandbox: true });
    expect(decodePackage(encodePackage(p))).toEqual(p);
    expect(JSON.parse(encodePackage(p).toString('utf8')).sandbox).toBe(true);
    expect(() => decodePackage(reencodeWith(p, (d) => (d.sandbox = 'true')))).toThrow(/flag/);
  });

  it('opens a format 3 package, sealed before cards, with its pending debits as ACH debits', () => {
    const withAch = makePackage({
      debits: { pending: [{ requestId: 'a'.repeat(32), amountMills: 50n, requestedAtMs: 9, method: 'ach' }], settled: [], owedMills: 0n },
    });
    const v3 = reencodeWith(withAch, (d) => {
      d.f = 3;
      d.debits = { pending: [['a'.repeat(32), '50', 9]], settled: [], owed: '0' };
    });
    expect(decodePackage(v3)).toEqual(withAch);
    expect(JSON.parse(encodePackage(decodePackage(v3)).toString('utf8')).debits.pending).toEqual([['a'.repeat(32), '50', 9, 'ach']]);
  });

  it('round-trips pending, settled and owed debits', () => {
    const p = makePackage({
      state: 'suspended',
      debits: {
        pending: [{ requestId: 'a'.repeat(32), amountMills: 5_000_000n, requestedAtMs: 1_700_000_000_000, method: 'card' }],
        settled: [{ requestId: 'b'.repeat(32), amountMills: 20_000n, settledAtMs: 1_700_000_100_000 }],
        owedMills: 20_000n,
      },
    });
    expect(decodePackage(encodePackage(p))).toEqual(p);
  });

  it('refuses a malformed debit list', () => {
    const bad = reencodeWith(makePackage(), (d) => {
      (d.debits as Record<string, unknown>).pending = [['a'.repeat(32), '5']];
    });
    expect(() => decodePackage(bad)).toThrow(/debit/);
  });

  it('round-trips a fresh package with nulls', () => {
    const p = makePackage({
      clientMacKey: null,
      passwordVerifier: null,
      passwordHistory: [],
      lastChallenge: null,
      lastTransactionAtMs: null,
      state: 'registered',
      registers: { arMills: 0n, drMills: 0n, controlTotalMills: 0n },
    });
    expect(decodePackage(encodePackage(p))).toEqual(p);
  });

  it('round-trips arbitrary registers, versions, serials and states', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 70n }),
        fc.bigInt({ min: 0n, max: 2n ** 70n }),
        fc.bigInt({ min: 1n, max: 2n ** 63n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n }),
        fc.constantFrom(...METER_STATES),
        fc.nat(10),
        (ar, dr, version, itemSerial, state, failedLogins) => {
          const p = makePackage({ registers: { arMills: ar, drMills: dr, controlTotalMills: ar + dr }, version, itemSerial, state, failedLogins });
          expect(decodePackage(encodePackage(p))).toEqual(p);
        },
      ),
    );
  });

  it('never writes a secret as raw bytes: keys are base64 inside JSON', () => {
    const text = encodePackage(makePackage()).toString('utf8');
    expect(() => JSON.parse(text)).not.toThrow();
    expect(text).toContain(Buffer.alloc(32, 7).toString('base64'));
  });
});

describe('package decoding refuses corrupt documents', () => {
  const p = makePackage();
  it.each<[string, (d: Record<string, unknown>) => void]>([
    ['unknown format', (d) => (d.f = 6)],
    ['members not a list', (d) => (d.members = { bob: 1 })],
    ['a member with a bad name', (d) => (d.members = [{ name: 'a+b', role: 'viewer' }])],
    ['a member with an unknown role', (d) => (d.members = [{ name: 'bob', role: 'owner' }])],
    ['format 4 without debits', (d) => delete d.debits],
    ['a pending debit with an unknown method', (d) => (d.debits = { pending: [['a'.repeat(32), '10', 1, 'cash']], settled: [], owed: '0' })],
    ['a settled debit with a method', (d) => (d.debits = { pending: [], settled: [['a'.repeat(32), '10', 1, 'card']], owed: '0' })],
    ['refunds not a list', (d) => (d.refunds = { items: 1, floorMs: 0 })],
    ['a refund with a numeric serial', (d) => (d.refunds = { items: [[5, 1]], floorMs: 0 })],
    ['format 2 without refunds', (d) => delete d.refunds],
    ['missing format', (d) => delete d.f],
    ['unknown state', (d) => (d.state = 'happy')],
    ['non-integer version', (d) => (d.version = '1.5')],
    ['numeric version', (d) => (d.version = 7)],
    ['non-string key', (d) => (d.wrappedSigningKey = 12)],
    ['float failedLogins', (d) => (d.failedLogins = 1.5)],
    ['string timestamp', (d) => (d.createdAtMs = '1')],
    ['unsafe integer', (d) => (d.keyNotAfterMs = 2 ** 60)],
    ['ar as number', (d) => (d.ar = 1000)],
  ])('%s', (_name, edit) => {
    expect(() => decodePackage(reencodeWith(p, edit))).toThrow();
  });

  it('refuses registers that break ar + dr = ct with invariant_violation', () => {
    expect(codeOf(() => decodePackage(reencodeWith(p, (d) => (d.ct = '1'))))).toBe('invariant_violation');
    expect(codeOf(() => decodePackage(reencodeWith(p, (d) => ((d.dr = '-5'), (d.ct = '995')))))).toBe('invariant_violation');
  });

  it('refuses bytes that are not JSON', () => {
    expect(() => decodePackage(Buffer.from([0xff, 0x00, 0x01]))).toThrow();
  });
});
