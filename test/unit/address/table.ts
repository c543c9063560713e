import { ZipIndex } from '../../../src/address/index.js';

/** A small ZIP table of real places, injected instead of the `zipcodes` package. */
export const table = new ZipIndex('test-table', [
  { zip5: '10001', city: 'New York', state: 'NY' },
  { zip5: '10002', city: 'New York', state: 'NY' },
  { zip5: '10118', city: 'New York', state: 'NY' },
  { zip5: '11201', city: 'Brooklyn', state: 'NY' },
  { zip5: '11215', city: 'Brooklyn', state: 'NY' },
  { zip5: '20500', city: 'Washington', state: 'DC' },
  { zip5: '62701', city: 'Springfield', state: 'IL' },
  { zip5: '62702', city: 'Springfield', state: 'IL' },
  { zip5: '97477', city: 'Springfield', state: 'OR' },
  { zip5: '63101', city: 'Saint Louis', state: 'MO' },
  { zip5: '02458', city: 'Newton', state: 'MA' },
  { zip5: '95014', city: 'Cupertino', state: 'CA' },
  { zip5: '78701', city: 'Austin', state: 'TX' },
  { zip5: '09012', city: 'Apo', state: 'AE' },
  { zip5: '00901', city: 'San Juan', state: 'PR' },
  { zip5: '18701', city: 'Wilkes Barre', state: 'PA' },
]);
