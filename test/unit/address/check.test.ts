import { describe, expect, it } from 'vitest';
import { addressCheckMode, checkDestination, verifyAddress, type AddressVerifier, type LabelAddress } from '../../../src/address/index.js';
import { VaultError } from '../../../src/errors.js';
import { table } from './table.js';

const builtIn: AddressVerifier = { verify: async (q) => verifyAddress(q, table) };
const broken: AddressVerifier = {
  verify: async () => {
    throw new Error('vendor timed out');
  },
};

const to = (over: Partial<LabelAddress> = {}): LabelAddress => ({
  name: 'Ada Lovelace',
  street: '123 main street apt 4b',
  city: 'new york',
  state: 'ny',
  zip5: '10001',
  ...over,
});

describe('checkDestination: the address check before a print', () => {
  it('prints a verified address in its standardized form, in warn and in refuse mode', async () => {
    for (const mode of ['warn', 'refuse'] as const) {
      const c = await checkDestination(builtIn, to({ company: '  Analytical Engines ' }), mode);
      expect(c.address).toEqual({
        name: 'Ada Lovelace',
        company: 'Analytical Engines',
        street: '123 MAIN ST',
        secondary: 'APT 4B',
        city: 'NEW YORK',
        state: 'NY',
        zip5: '10001',
      });
      expect([c.accepted?.match, c.warnings]).toEqual(['standardized', []]);
    }
  });

  it('refuses an unverified address with address_unverified, carrying the issues and the suggestions', async () => {
    const err = await checkDestination(builtIn, to({ city: 'Brooklyn' }), 'refuse').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultError);
    const e = err as VaultError;
    expect([e.code, e.status]).toEqual(['address_unverified', 422]);
    expect((e.extra.issues as { code: string }[]).map((i) => i.code)).toEqual(['city_mismatch']);
    expect((e.extra.suggestions as unknown[]).length).toBeGreaterThan(0);
    expect(e.message).toContain('zip_corrected');
  });

  it('warns about an unverified address and prints it standardized but not corrected', async () => {
    const c = await checkDestination(builtIn, to({ city: 'Brooklyn' }), 'warn');
    expect(c.address).toMatchObject({ street: '123 MAIN ST', secondary: 'APT 4B', city: 'BROOKLYN', state: 'NY', zip5: '10001' });
    expect(c.accepted).toBeNull();
    expect(c.warnings.map((w) => w.code)).toEqual(['city_mismatch', 'address_unverified']);
  });

  it('checks nothing when off, and says so when the verifier fails in warn mode; refuse turns a failure into address_service_unavailable', async () => {
    expect(await checkDestination(broken, to(), 'off')).toEqual({ address: to(), verification: null, accepted: null, warnings: [] });
    const warned = await checkDestination(broken, to(), 'warn');
    expect([warned.address, warned.warnings.map((w) => w.code)]).toEqual([to(), ['address_check_failed']]);
    await expect(checkDestination(broken, to(), 'refuse')).rejects.toMatchObject({ code: 'address_service_unavailable', status: 503 });
  });

  it('reads the setting: refuse, warn, off; empty is warn; anything else is an error', () => {
    expect([addressCheckMode('refuse'), addressCheckMode('warn'), addressCheckMode('off'), addressCheckMode(undefined), addressCheckMode('')]).toEqual([
      'refuse',
      'warn',
      'off',
      'warn',
      'warn',
    ]);
    expect(() => addressCheckMode('strict')).toThrow(/VAULTMETER_ADDRESS_CHECK/);
  });
});
