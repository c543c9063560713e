import { verify, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACH_FILE_ENTRIES, MAX_BANK_HOLDER_NAME_LENGTH, MAX_USERNAME_LENGTH } from '../../../src/constants.js';
import { encodeFrame } from '../../../src/module/framing.js';
import { achFileStatement, BankDesk, bankAccountAad, type BankAccountBinding } from '../../../src/module/bank-desk.js';
import { authorizeDebit } from '../../../src/module/debit-authorization.js';
import { rotateDomainKey } from '../../../src/module/keystore.js';
import type { AchEntryWire, AchFileHeaderWire } from '../../../src/module/messages.js';
import { SoftwareModuleCrypto } from '../../../src/module/software-crypto.js';
import { validateNachaFile } from '../../../src/payments/index.js';
import { testKeystore } from '../helpers/engine.js';
import { ODFI, RDFI } from '../payments/fixtures.js';

const ANN: BankAccountBinding = {
  username: 'ann',
  meterId: '11111111-2222-4333-8444-555555555555',
  bankAccountId: '6f1c1d2e-0b7a-4c55-9d1e-2f3a4b5c6d7e',
  routing: RDFI[1],
};
const BOB: BankAccountBinding = {
  username: 'bob',
  meterId: '66666666-7777-4888-8999-aaaaaaaaaaaa',
  bankAccountId: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
  routing: RDFI[2],
};

const header: AchFileHeaderWire = {
  immediateDestination: ODFI,
  immediateOrigin: '1234567890',
  destinationName: 'First Bank',
  originName: 'Vaultmeter Inc',
  companyName: 'Vaultmeter',
  companyId: '1234567890',
  entryDescription: 'POSTAGE',
  odfi: ODFI,
  effectiveDate: '261201',
  fileIdModifier: 'A',
  createdAt: '2026-11-30T07:05:00Z',
};

async function codeOfAsync(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `non-vault error: ${(e as Error).message}`;
  }
  return undefined;
}

let crypto: SoftwareModuleCrypto;
let desk: BankDesk;
beforeAll(async () => {
  crypto = new SoftwareModuleCrypto(await testKeystore());
  desk = new BankDesk(crypto);
});

/** An entry as the payments run makes it: the module's authorization of a funding request on exactly its terms (unless `over` gives one). */
const entryOf = async (who: typeof ANN, sealedBase64: string, i: number, over: Partial<AchEntryWire> = {}): Promise<AchEntryWire> => {
  const base = {
    ...who,
    requestId: i.toString(16).padStart(32, '0'),
    sealedBase64,
    accountType: 'checking' as const,
    holderName: `Holder ${who.username}`,
    individualId: `FR${i}`,
    amountMills: String(12_340 + i * 10),
    traceNumber: ODFI.slice(0, 8) + String(i + 1).padStart(7, '0'),
    ...over,
  };
  const terms = { meterId: base.meterId, requestId: base.requestId, bankAccountId: base.bankAccountId, amountMills: base.amountMills };
  return { ...base, debitAuthorization: over.debitAuthorization ?? (await authorizeDebit(crypto, terms)) };
};

describe('customer fields under the package key', () => {
  const aad = bankAccountAad(ANN);
  const plain = Buffer.from('12345678');

  it('opens what it sealed, and nothing tampered or bound to another account', async () => {
    const sealed = await crypto.sealCustomerField('bank-account', aad, plain);
    expect(await crypto.openCustomerField('bank-account', aad, sealed)).toEqual(plain);
    expect(sealed.includes(plain)).toBe(false);
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 1;
      // Byte 0 names the key version: a flipped one names a version not held (refused) or fails the tag.
      if (i === 0) continue;
      expect(await crypto.openCustomerField('bank-account', aad, bad), `byte ${i}`).toBeNull();
    }
    for (const other of [bankAccountAad(BOB), bankAccountAad({ ...ANN, routing: RDFI[0] }), bankAccountAad({ ...ANN, username: 'ann2' }), Buffer.alloc(0)])
      expect(await crypto.openCustomerField('bank-account', other, sealed)).toBeNull();
  });

  it('uses a key of its own: a package key or another module domain opens nothing', async () => {
    const sealed = await crypto.sealCustomerField('bank-account', aad, plain);
    expect(await crypto.openPackage(sealed, aad)).toBeNull();
    const ks = await testKeystore();
    const stranger = new SoftwareModuleCrypto({ ...ks, domain: { ...ks.domain, packageKeys: rotateDomainKey(ks.domain, 'packageKeys').packageKeys } });
    // The rotated keystore still opens version-1 fields and seals new ones under version 2.
    expect(await stranger.openCustomerField('bank-account', aad, sealed)).toEqual(plain);
    const newer = await stranger.sealCustomerField('bank-account', aad, plain);
    expect([sealed[0], newer[0]]).toEqual([1, 2]);
    expect(await codeOfAsync(() => crypto.openCustomerField('bank-account', aad, newer))).toBe('key_version_unknown');
  });
});

describe('sealBankAccount', () => {
  it('answers the sealed number and its last four, never the number; every blob is as long as the longest', async () => {
    const a = await desk.sealBankAccount({ ...ANN, accountNumber: '00123-456789x' });
    expect(Object.keys(a).sort()).toEqual(['last4', 'sealedBase64']);
    expect(a.last4).toBe('789X');
    const b = await desk.sealBankAccount({ ...ANN, accountNumber: '1234' });
    expect(Buffer.from(a.sealedBase64, 'base64').length).toBe(Buffer.from(b.sealedBase64, 'base64').length);
  });

  it('refuses a bad account number, routing number or account id', async () => {
    for (const accountNumber of ['123', '1'.repeat(18), '1234 5678', '-1234', '1234-', 'ßß12', '12_34', ''])
      expect(await codeOfAsync(() => desk.sealBankAccount({ ...ANN, accountNumber })), accountNumber).toBe('invalid_account_number');
    expect(await codeOfAsync(() => desk.sealBankAccount({ ...ANN, routing: '123456789', accountNumber: '12345678' }))).toBe('invalid_routing_number');
    expect(await codeOfAsync(() => desk.sealBankAccount({ ...ANN, bankAccountId: 'not-a-uuid', accountNumber: '12345678' }))).toBe('invalid_request');
    expect(await codeOfAsync(() => desk.sealBankAccount({ ...ANN, username: '', accountNumber: '12345678' }))).toBe('invalid_request');
  });
});

describe('buildAchFile', () => {
  it('opens each account, builds a file the validator accepts, and signs its digest, count and total', async () => {
    const ann = await desk.sealBankAccount({ ...ANN, accountNumber: '000123456789' });
    const bob = await desk.sealBankAccount({ ...BOB, accountNumber: 'ab-99' });
    const f = await desk.buildAchFile({
      header,
      entries: [await entryOf(ANN, ann.sealedBase64, 0), await entryOf(BOB, bob.sealedBase64, 1, { accountType: 'savings' })],
    });
    const check = validateNachaFile(f.text);
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    expect(check.entries.map((e) => [e.account.trim(), e.transactionCode, e.routing.slice(0, 8)])).toEqual([
      ['000123456789', '27', ANN.routing.slice(0, 8)],
      ['AB-99', '37', BOB.routing.slice(0, 8)],
    ]);
    expect({ entryCount: f.entryCount, totalMills: f.totalMills, signer: f.signer }).toEqual({ entryCount: 2, totalMills: '24690', signer: crypto.serial });
    expect(f.text.split('\n')[0]!.slice(23, 29)).toBe('261130'); // created 2026-11-30 (UTC)
    const pub = new X509Certificate(crypto.certPem).publicKey;
    const statement = achFileStatement({ sha256Hex: f.sha256Hex, entryCount: 2, totalMills: '24690', signer: f.signer });
    expect(verify('sha256', statement, pub, Buffer.from(f.signatureDerHex, 'hex'))).toBe(true);
    expect(verify('sha256', achFileStatement({ ...f, totalMills: '24700' }), pub, Buffer.from(f.signatureDerHex, 'hex'))).toBe(false);
  });

  it("refuses a sealed number moved onto another customer's account, or altered", async () => {
    const ann = await desk.sealBankAccount({ ...ANN, accountNumber: '000123456789' });
    expect(await codeOfAsync(async () => desk.buildAchFile({ header, entries: [await entryOf(BOB, ann.sealedBase64, 0)] }))).toBe('bank_account_tampered');
    expect(await codeOfAsync(async () => desk.buildAchFile({ header, entries: [await entryOf({ ...ANN, routing: RDFI[0] }, ann.sealedBase64, 0)] }))).toBe(
      'bank_account_tampered',
    );
    const bad = Buffer.from(ann.sealedBase64, 'base64');
    bad[bad.length - 1]! ^= 1;
    expect(await codeOfAsync(async () => desk.buildAchFile({ header, entries: [await entryOf(ANN, bad.toString('base64'), 0)] }))).toBe(
      'bank_account_tampered',
    );
  });

  it('opens an account only for a funding request the module authorized, on exactly its terms', async () => {
    const ann = await desk.sealBankAccount({ ...ANN, accountNumber: '000123456789' });
    const refused = async (entry: Promise<AchEntryWire>) => codeOfAsync(async () => desk.buildAchFile({ header, entries: [await entry] }));
    expect(await refused(entryOf(ANN, ann.sealedBase64, 0, { debitAuthorization: '' }))).toBe('debit_not_authorized');
    // An authorization of another request, amount, meter or account does not carry over.
    const good = await entryOf(ANN, ann.sealedBase64, 0);
    for (const other of [{ requestId: 'f'.repeat(32) }, { amountMills: '99990' }, { meterId: BOB.meterId }, { bankAccountId: BOB.bankAccountId }])
      expect(await refused(Promise.resolve({ ...good, ...other })), JSON.stringify(other)).toBe('debit_not_authorized');
    // A request of another meter, authorized for Ann's account id: her account was sealed for her meter only.
    expect(await refused(entryOf({ ...ANN, meterId: BOB.meterId }, ann.sealedBase64, 0))).toBe('bank_account_tampered');
  });

  it('refuses input the builder refuses, with its reason, and an empty or oversized file', async () => {
    const ann = await desk.sealBankAccount({ ...ANN, accountNumber: '000123456789' });
    const refused = async (over: Partial<AchEntryWire>, h: Partial<AchFileHeaderWire> = {}) => {
      try {
        await desk.buildAchFile({ header: { ...header, ...h }, entries: [await entryOf(ANN, ann.sealedBase64, 0, over)] });
        return 'built';
      } catch (e) {
        return `${(e as { code: string }).code}:${String((e as { extra?: { reason?: string } }).extra?.reason)}`;
      }
    };
    expect(await refused({ amountMills: '12345' })).toBe('ach_file_invalid:invalid_amount');
    expect(await refused({ amountMills: '-5' })).toBe('ach_file_invalid:undefined');
    expect(await refused({ traceNumber: '999999990000001' })).toBe('ach_file_invalid:invalid_trace_number');
    expect(await refused({ accountType: 'loan' as 'checking' })).toBe('ach_file_invalid:undefined');
    expect(await refused({}, { effectiveDate: '261332' })).toBe('ach_file_invalid:invalid_date');
    expect(await refused({}, { createdAt: 'yesterday' })).toBe('ach_file_invalid:invalid_date');
    expect(await refused({}, { odfi: '123456789' })).toBe('ach_file_invalid:invalid_routing_number');
    expect(await codeOfAsync(() => desk.buildAchFile({ header, entries: [] }))).toBe('ach_file_invalid');
    const many = await Promise.all(Array.from({ length: MAX_ACH_FILE_ENTRIES + 1 }, (_, i) => entryOf(ANN, ann.sealedBase64, i)));
    expect(await codeOfAsync(() => desk.buildAchFile({ header, entries: many }))).toBe('ach_file_invalid');
  });

  it('fits its largest call and its answer in one module frame each', async () => {
    const sealed = (await desk.sealBankAccount({ ...ANN, accountNumber: '1'.repeat(17) })).sealedBase64;
    const widest = await entryOf({ ...ANN, username: 'u'.repeat(MAX_USERNAME_LENGTH) }, sealed, 0, {
      holderName: '"'.repeat(MAX_BANK_HOLDER_NAME_LENGTH), // each escaped in JSON: the widest text
      individualId: '"'.repeat(15),
      amountMills: '9'.repeat(18),
      traceNumber: '9'.repeat(15),
    });
    const entries = Array.from({ length: MAX_ACH_FILE_ENTRIES }, () => widest);
    expect(() => encodeFrame({ id: 2 ** 31, op: 'buildAchFile', args: { header, entries } })).not.toThrow();
    const ok = await Promise.all(entries.map((_, i) => entryOf(ANN, sealed, i, { holderName: 'X'.repeat(22), individualId: 'Y'.repeat(15) })));
    const f = await desk.buildAchFile({ header, entries: ok });
    expect(() => encodeFrame({ id: 2 ** 31, ok: true, result: f })).not.toThrow();
  });
});
