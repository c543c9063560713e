import { describe, expect, it } from 'vitest';
import { splitLine } from '../../../src/address/index.js';
import { table } from './table.js';

describe('one free-text line split into street, city, state and ZIP', () => {
  it.each([
    ['123 Main St Apt 4, New York, NY 10001-1234', '123 MAIN ST APT 4', 'NEW YORK', 'NY', '10001-1234'],
    ['123 main street apt 4b new york ny 10001', '123 MAIN STREET APT 4B', 'NEW YORK', 'NY', '10001'],
    ['PO Box 123, Austin TX 78701', 'PO BOX 123', 'AUSTIN', 'TX', '78701'],
    ['1600 Pennsylvania Ave NW Washington DC 20500', '1600 PENNSYLVANIA AVE NW', 'WASHINGTON', 'DC', '20500'],
    ['12 1/2 Elm St #3 Springfield IL 62701', '12 1/2 ELM ST # 3', 'SPRINGFIELD', 'IL', '62701'],
    ['123 Main St Springfield IL', '123 MAIN ST', 'SPRINGFIELD', 'IL', ''],
    ['1 Infinite Loop Cupertino California 95014 USA', '1 INFINITE LOOP', 'CUPERTINO', 'CA', '95014'],
    ['10 Elm St, Newton, MA 2458', '10 ELM ST', 'NEWTON', 'MA', '2458'],
    ['350 5th Ave New York, NY 10118', '350 5TH AVE', 'NEW YORK', 'NY', '10118'],
    ['742 Evergreen Terrace Springfield OR 97477', '742 EVERGREEN TERRACE', 'SPRINGFIELD', 'OR', '97477'],
    ['123 Main St 10001', '123 MAIN ST', '', '', '10001'],
    ['10001 Main St, Anytown, NY 10001 1234', '10001 MAIN ST', 'ANYTOWN', 'NY', '10001-1234'],
    ['123 Main St, Apt 4\nNew York NY 10001', '123 MAIN ST APT 4', 'NEW YORK', 'NY', '10001'],
  ])('%s', (line, street, city, state, zip) => {
    expect(splitLine(line, table)).toEqual({ street, city, state, zip });
  });

  it('reads no state where nothing sets it apart from the street ("CT" is a court here)', () => {
    expect(splitLine('123 Main Ct', table)).toEqual({ street: '123 MAIN CT', city: '', state: '', zip: '' });
    expect(splitLine('100 Main St Apt 1234', table)).toEqual({ street: '100 MAIN ST APT 1234', city: '', state: '', zip: '' });
  });

  it('takes an empty or blank line as no address at all', () => {
    expect(splitLine('', table)).toEqual({ street: '', city: '', state: '', zip: '' });
    expect(splitLine(' , ;\n', table)).toEqual({ street: '', city: '', state: '', zip: '' });
  });
});
