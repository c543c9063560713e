import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { MAX_ADDRESS_FIELD_LENGTH, MAX_ADDRESS_LINE_LENGTH, MAX_ADDRESS_SUGGESTIONS } from '../../../src/constants.js';
import { AddressQuery, AddressVerification, verifyAddress, ZipIndex, type AddressQuery as Query } from '../../../src/address/index.js';
import { table } from './table.js';

const verify = (q: Query) => verifyAddress(q, table);
const top = (q: Query) => verify(q).suggestions[0];
const codes = (q: Query) => verify(q).issues.map((i) => i.code);

describe('verifying an address against the ZIP table', () => {
  it('answers exact for an address already in Publication 28 form, and standardized for one that was not', () => {
    const exact = verify({ street: '123 MAIN ST', secondary: 'APT 4B', city: 'NEW YORK', state: 'NY', zip: '10001-1234' });
    expect(exact.status).toBe('verified');
    expect(exact.suggestions[0]).toEqual({
      match: 'exact',
      score: 100,
      address: { street: '123 MAIN ST', secondary: 'APT 4B', city: 'NEW YORK', state: 'NY', zip5: '10001', zip4: '1234' },
      changed: [],
    });
    const loose = verify({ street: '123 main street, apt. #4b', city: 'new york', state: 'New York', zip: '10001 1234' });
    expect(loose.status).toBe('verified');
    expect(loose.suggestions[0]).toMatchObject({ match: 'standardized', score: 95, address: exact.suggestions[0]!.address });
    expect(verify({ line: '123 MAIN ST APT 4B, NEW YORK, NY 10001' }).suggestions[0]?.match).toBe('exact');
  });

  it('takes the dataset spelling of a city it knows under another form (ST LOUIS → SAINT LOUIS)', () => {
    const v = verify({ street: 'PO Box 123', city: 'St. Louis', state: 'MO', zip: '63101' });
    expect(v.standardized).toMatchObject({ street: 'PO BOX 123', city: 'ST LOUIS' });
    expect(v.suggestions[0]).toMatchObject({ match: 'standardized', address: { city: 'SAINT LOUIS', state: 'MO', zip5: '63101' }, changed: ['city'] });
    expect(v.status).toBe('verified');
  });

  it('suggests the state of the ZIP when city and ZIP agree and the state does not', () => {
    const v = verify({ street: '123 Main St', city: 'New York', state: 'NJ', zip: '10001' });
    expect(v.status).toBe('suggested');
    expect(v.suggestions[0]).toMatchObject({ match: 'state_corrected', score: 85, address: { state: 'NY', zip5: '10001' }, changed: ['state'] });
    expect(codes({ street: '123 Main St', city: 'New York', state: 'NJ', zip: '10001' })).toEqual(['state_mismatch']);
  });

  it('for a city that is not the ZIP’s: the ZIP’s city, and the ZIPs of the city named, in order of likelihood', () => {
    const v = verify({ street: '123 Main St', city: 'Brooklyn', state: 'NY', zip: '10001-1234' });
    expect(v.status).toBe('suggested');
    expect(v.issues.map((i) => i.code)).toEqual(['city_mismatch']);
    expect(v.suggestions.map((s) => [s.match, s.address.city, s.address.zip5, s.address.zip4 ?? ''])).toEqual([
      ['zip_corrected', 'BROOKLYN', '11201', ''],
      ['zip_corrected', 'BROOKLYN', '11215', ''],
      ['city_corrected', 'NEW YORK', '10001', '1234'],
    ]);
    // A misspelt city of the ZIP ranks above the other city's ZIPs.
    expect(top({ street: '123 Main St', city: 'New Yrok', state: 'NY', zip: '10001' })).toMatchObject({
      match: 'city_corrected',
      address: { city: 'NEW YORK' },
    });
  });

  it('fills in a missing city, state or ZIP from what agrees with it', () => {
    expect(top({ street: '123 Main St', state: 'NY', zip: '10001' })).toMatchObject({ match: 'city_corrected', score: 90 });
    expect(top({ street: '123 Main St', city: 'New York', zip: '10001' })).toMatchObject({ match: 'state_corrected', score: 90 });
    expect(top({ street: '123 Main St', city: 'Cupertino', state: 'CA' })).toMatchObject({ match: 'zip_from_city', score: 90, address: { zip5: '95014' } });
    expect(verify({ street: '123 Main St', city: 'Cupertino', state: 'CA' }).status).toBe('verified');
    const several = verify({ street: '123 Main St', city: 'New York', state: 'NY' });
    expect(several.status).toBe('suggested');
    expect(several.suggestions.map((s) => [s.match, s.address.zip5])).toEqual([
      ['zip_from_city', '10001'],
      ['zip_from_city', '10002'],
      ['zip_from_city', '10118'],
    ]);
    expect(top({ street: '123 Main St', zip: '78701' })).toMatchObject({ match: 'city_state_from_zip', score: 80, address: { city: 'AUSTIN', state: 'TX' } });
  });

  it('reports a ZIP that does not exist, and suggests the ZIPs of the city named', () => {
    const v = verify({ street: '123 Main St', city: 'Springfield', state: 'IL', zip: '62799' });
    expect(v.issues.map((i) => i.code)).toEqual(['zip_unknown']);
    expect(v.suggestions.map((s) => [s.match, s.address.zip5])).toEqual([
      ['zip_corrected', '62702'],
      ['zip_corrected', '62701'],
    ]);
    const nowhere = verify({ street: '123 Main St', city: 'Nowhere', state: 'IL', zip: '99999' });
    expect([nowhere.status, nowhere.suggestions, nowhere.issues.map((i) => i.code)]).toEqual(['unverified', [], ['zip_unknown']]);
  });

  it('repairs a ZIP that lost its leading zero, and a misspelt city', () => {
    expect(top({ street: '10 Elm St', city: 'Newton', state: 'MA', zip: '2458' })).toMatchObject({ match: 'zip_corrected', address: { zip5: '02458' } });
    expect(codes({ street: '10 Elm St', city: 'Newton', state: 'MA', zip: '2458' })).toEqual(['zip_malformed']);
    expect(top({ street: '1 Main St', city: 'Springfeild', state: 'IL' })).toMatchObject({
      match: 'city_corrected',
      address: { city: 'SPRINGFIELD', zip5: '62701' },
    });
    expect(codes({ street: '1 Main St', city: 'Springfeild', state: 'IL' })).toEqual(['zip_missing', 'city_unknown']);
  });

  it('never verifies an address without a deliverable line, whatever its last line', () => {
    const noNumber = verify({ street: 'Main St', city: 'Austin', state: 'TX', zip: '78701' });
    expect([noNumber.status, noNumber.issues.map((i) => i.code)]).toEqual(['unverified', ['primary_number_missing']]);
    const noStreet = verify({ city: 'Austin', state: 'TX', zip: '78701' });
    expect([noStreet.status, noStreet.issues.map((i) => i.code)]).toEqual(['unverified', ['street_missing']]);
    expect(verify({ street: 'PO Box 12', city: 'Austin', state: 'TX', zip: '78701' }).status).toBe('verified');
    expect(verify({ street: 'PSC 1234 Box 5678', city: 'APO', state: 'AE', zip: '09012' }).suggestions[0]?.match).toBe('standardized');
  });

  it('lists every missing or malformed field of an empty or nonsense query, and suggests nothing', () => {
    const empty = verify({});
    expect(empty.status).toBe('unverified');
    expect(empty.suggestions).toEqual([]);
    expect(empty.issues.map((i) => i.code)).toEqual(['street_missing', 'city_missing', 'state_missing', 'zip_missing']);
    expect(codes({ street: '1 Main St', city: 'Toronto', state: 'Ontario', zip: 'M5V 3L9' })).toEqual(['state_unknown', 'zip_malformed']);
    expect(verify({ line: '' }).status).toBe('unverified');
  });

  it('keeps to its bounds: at most MAX_ADDRESS_SUGGESTIONS, best first, and an answer its schema accepts', () => {
    const big = new ZipIndex(
      'big',
      Array.from({ length: 40 }, (_, i) => ({ zip5: String(30000 + i), city: i % 2 ? 'Alpha' : 'Alphb', state: 'GA' })),
    );
    const v = verifyAddress({ street: '1 Main St', city: 'Alphc', state: 'GA' }, big);
    expect(v.suggestions.length).toBe(MAX_ADDRESS_SUGGESTIONS);
    const scores = v.suggestions.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const q of [{}, { line: '123 main st new york ny 10001' }, { street: 'x', zip: '1' }] as Query[])
      expect(Value.Check(AddressVerification, verify(q))).toBe(true);
  });

  it('refuses oversized and control-character fields in its request schema', () => {
    expect(Value.Check(AddressQuery, { street: 'x'.repeat(MAX_ADDRESS_FIELD_LENGTH) })).toBe(true);
    expect(Value.Check(AddressQuery, { street: 'x'.repeat(MAX_ADDRESS_FIELD_LENGTH + 1) })).toBe(false);
    expect(Value.Check(AddressQuery, { line: 'x'.repeat(MAX_ADDRESS_LINE_LENGTH + 1) })).toBe(false);
    expect(Value.Check(AddressQuery, { street: '1 Main St\u0000' })).toBe(false);
    expect(Value.Check(AddressQuery, { street: '1 Main St', country: 'US' })).toBe(false);
  });
});
