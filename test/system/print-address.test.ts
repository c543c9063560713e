import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { ApiError, MeterClient } from '../../src/sdk/index.js';
import { fundAs } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// VAULTMETER_ADDRESS_CHECK=refuse: a print whose destination address does not verify, or lies in
// another ZIP than the one the client signed, is refused with nothing debited, and its challenge
// is spent (the refused request cannot be replayed).

const PW = 'correct horse battery';
const whiteHouse = { name: 'The President', street: '1600 Pennsylvania Avenue Northwest', city: 'Washington', state: 'DC', zip5: '20500' };
const letter = (destination: string) => ({
  amountMills: 740n,
  originZip: '20176',
  destination,
  date: new Date().toISOString().slice(0, 10),
  rateCategory: 'FCM-LETTER',
  weightTenthOz: 10,
});

describe('the address check before a print (refuse mode)', () => {
  let sys: TestSystem;
  let jo: MeterClient;

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_ADDRESS_CHECK: 'refuse' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    jo = await MeterClient.register(diskProfiles, sys.url, 'jo', PW);
    await fundAs(sys.url, sys.officer, 'jo', '100000');
    await jo.balance();
  });
  afterAll(async () => sys?.stop());

  it('prints to a verified address and answers it standardized', async () => {
    const item = await jo.print({ ...letter('20500'), shipTo: whiteHouse });
    expect(item.shipTo).toMatchObject({ street: '1600 PENNSYLVANIA AVE NW', city: 'WASHINGTON', state: 'DC', zip5: '20500' });
    expect(item.addressWarnings).toEqual([]);
  });

  it('refuses an address that does not verify, or one in another ZIP, debiting nothing and spending the challenge', async () => {
    const before = (await jo.balance()).arMills;
    for (const [destination, shipTo] of [
      ['20500', { ...whiteHouse, city: 'Springfield', state: 'IL' }],
      ['10001', whiteHouse],
    ] as const) {
      const e = await jo.print({ ...letter(destination), shipTo }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe('address_unverified');
    }
    expect((await jo.balance()).arMills).toBe(before);
    // The client took the next challenge from each signed refusal: it prints again at once.
    expect((await jo.print(letter('10001'))).arMills).toBe(before + 740n);
  });

  it('the CLI prints the standardized address on the label', async () => {
    const out = `${sys.dir}/wh.bin`;
    const r = await sys.cli([
      'client',
      'print',
      '--user',
      'jo',
      '--amount',
      '0.74',
      '--from',
      '20176',
      '--to',
      '20500',
      '--out',
      out,
      '--ship-to-name',
      'The President',
      '--ship-to-street',
      '1600 Pennsylvania Ave NW',
      '--ship-to-city',
      'Washington',
      '--ship-to-state',
      'DC',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.shipTo.street).toBe('1600 PENNSYLVANIA AVE NW');
  });
});
