import { describe, expect, it } from 'vitest';
import type { AddressCheckMode } from '../../../src/address/index.js';
import { VaultError } from '../../../src/errors.js';
import { BuiltInAddressVerifier, type ServiceContext } from '../../../src/services/index.js';
import { checkPrintDestination } from '../../../src/services/print-destination.js';
import { table } from '../address/table.js';

// The destination check of a print: the address the label shows must be a real one, in the ZIP the
// client signed, or the print is refused (refuse) or carries warnings (warn).

const ctxWith = (addressCheck: AddressCheckMode) => ({ addresses: new BuiltInAddressVerifier(() => table), addressCheck }) as unknown as ServiceContext;
const input = (destination: string) => ({ op: 'print', challenge: '', arMills: '0', drMills: '0', mac: '', params: { destination } });
const whiteHouse = { name: 'The President', street: '1600 pennsylvania avenue northwest', city: 'washington', state: 'dc', zip5: '20500' };

describe('the destination check before a print', () => {
  it('standardizes a good address to Publication 28', async () => {
    const d = await checkPrintDestination(ctxWith('refuse'), input('20500'), whiteHouse);
    expect('address' in d && d.address).toMatchObject({ street: '1600 PENNSYLVANIA AVE NW', city: 'WASHINGTON', state: 'DC', zip5: '20500' });
  });

  it('refuses, in refuse mode, an address that does not verify, and one in another ZIP than the signed one', async () => {
    const bad = await checkPrintDestination(ctxWith('refuse'), input('20500'), { ...whiteHouse, city: 'Springfield', state: 'IL' });
    expect('refuse' in bad && bad.refuse).toBeInstanceOf(VaultError);
    expect('refuse' in bad && bad.refuse.code).toBe('address_unverified');
    const elsewhere = await checkPrintDestination(ctxWith('refuse'), input('10001'), whiteHouse);
    expect('refuse' in elsewhere && elsewhere.refuse.message).toMatch(/20500.*10001/);
  });

  it('prints with warnings in warn mode, and checks nothing when off', async () => {
    const warned = await checkPrintDestination(ctxWith('warn'), input('10001'), whiteHouse);
    expect('address' in warned && warned.warnings.map((w) => w.code)).toContain('address_unverified');
    const off = await checkPrintDestination(ctxWith('off'), input('20500'), { ...whiteHouse, city: 'Nowhere' });
    expect('address' in off && off.address.city).toBe('Nowhere');
    expect('address' in off && off.warnings).toEqual([]);
  });
});
