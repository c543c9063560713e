import { describe, expect, it } from 'vitest';
import { formatStreet, parseDeliveryLine, stateCode, streetSuffix, unitDesignator, words } from '../../../src/address/index.js';

/** The street line and the secondary units of a written delivery line, standardized. */
const std = (text: string) => {
  const line = parseDeliveryLine(words(text));
  return [formatStreet(line), line.units.join(' ')];
};

describe('Publication 28 standardizing of a delivery line', () => {
  it.each([
    // C1 suffixes: the primary name, common variants and the standard itself
    ['123 Main Street', '123 MAIN ST'],
    ['123 main str', '123 MAIN ST'],
    ['123 Main Strt', '123 MAIN ST'],
    ['77 Massachusetts Av.', '77 MASSACHUSETTS AVE'],
    ['77 Massachusetts Avenue', '77 MASSACHUSETTS AVE'],
    ['77 Massachusetts Avnue', '77 MASSACHUSETTS AVE'],
    ['9 Sunset Boulevard', '9 SUNSET BLVD'],
    ['9 Sunset Boul', '9 SUNSET BLVD'],
    ['5 Ocean Parkway', '5 OCEAN PKWY'],
    ['5 Ocean Pky', '5 OCEAN PKWY'],
    ['31 Spooner Terrace', '31 SPOONER TER'],
    ['12 Old Mill Crossing', '12 OLD MILL XING'],
    ['400 Skyline Expressway', '400 SKYLINE EXPY'],
    ['8 Hollow Tree Hollows', '8 HOLLOW TREE HOLW'],
    ['3 Gateway Gatway', '3 GATEWAY GTWY'],
    ['15 Cedar Circle', '15 CEDAR CIR'],
    ['2 Quail Run', '2 QUAIL RUN'],
    ['1 Infinite Loop', '1 INFINITE LOOP'],
    ['18 Elm Way', '18 ELM WAY'],
    ['18 Elm Wy', '18 ELM WAY'],
    ['6 Harbor Highway', '6 HARBOR HWY'],
    ['44 Lake Shore Drive', '44 LAKE SHORE DR'],
    // two suffix words: only the last is the suffix (section 234.2)
    ['200 Glen Park', '200 GLEN PARK'],
    ['100 Park Avenue', '100 PARK AVE'],
    ['10 Court Street', '10 COURT ST'],
    // a suffix word that is the whole name, or not the last word, stays spelled out
    ['4 Avenue of the Americas', '4 AVENUE OF THE AMERICAS'],
    ['100 Avenue B', '100 AVENUE B'],
    ['9 Street', '9 STREET'],
    ['123 St James Pl', '123 ST JAMES PL'],
    ['100 County Road 20', '100 COUNTY ROAD 20'],
    ['7 State Highway 9', '7 STATE HIGHWAY 9'],
    // directionals before and after, spelled out or run together, and a directional that is the name
    ['1005 North Gravenstein Highway', '1005 N GRAVENSTEIN HWY'],
    ['1600 Pennsylvania Avenue Northwest', '1600 PENNSYLVANIA AVE NW'],
    ['1600 Pennsylvania Ave. N.W.', '1600 PENNSYLVANIA AVE NW'],
    ['100 Park Avenue South', '100 PARK AVE S'],
    ['789 North East Main Street', '789 NE MAIN ST'],
    ['500 S. Grand Ave.', '500 S GRAND AVE'],
    ['100 West 5th Street', '100 W 5TH ST'],
    ['123 North St', '123 NORTH ST'],
    ['123 E St', '123 E ST'],
    ['8 Main N', '8 MAIN N'],
    // numbers: fractions, Queens hyphens, grid numbers, Wisconsin grid
    ['12 1/2 Elm St', '12 1/2 ELM ST'],
    ['41-12 Parsons Blvd', '41-12 PARSONS BLVD'],
    ['842 E 1700 S', '842 E 1700 S'],
    ['39.2 Rd', '39.2 RD'],
    ['N6W23001 Bluemound Rd', 'N6W23001 BLUEMOUND RD'],
    // lower case, punctuation, accents, extra spaces
    ["  12  o'brien   lane. ", '12 OBRIEN LN'],
    ['5 Rue de la Côte', '5 RUE DE LA COTE'],
    ['1 Wilkes-Barre Blvd', '1 WILKES BARRE BLVD'],
  ])('%s → %s', (text, street) => {
    expect(std(text)[0]).toBe(street);
  });

  it.each([
    ['123 Main St Apt 4B', '123 MAIN ST', 'APT 4B'],
    ['123 Main St Apartment 4B', '123 MAIN ST', 'APT 4B'],
    ['123 Main St, Apt. #4B', '123 MAIN ST', 'APT 4B'],
    ['123 Main St #4B', '123 MAIN ST', '# 4B'],
    ['123 Main St # 4B', '123 MAIN ST', '# 4B'],
    ['123 Main St 4B', '123 MAIN ST', '# 4B'],
    ['1005 N Gravenstein Highway Suite 500', '1005 N GRAVENSTEIN HWY', 'STE 500'],
    ['350 Fifth Avenue, Floor 34', '350 FIFTH AVE', 'FL 34'],
    ['500 Lake Shore Drive 3rd floor', '500 LAKE SHORE DR', 'FL 3'],
    ['42 Broadway Bldg 7 Rm 12', '42 BROADWAY', 'BLDG 7 RM 12'],
    ['42 Broadway Building 7 Room 12', '42 BROADWAY', 'BLDG 7 RM 12'],
    ['100 West 5th Street Unit 3', '100 W 5TH ST', 'UNIT 3'],
    ['123 Main St Rear', '123 MAIN ST', 'REAR'],
    ['123 Main St Penthouse', '123 MAIN ST', 'PH'],
    ['9 Elm St Lot 12', '9 ELM ST', 'LOT 12'],
    ['9 Elm St Trailer 5', '9 ELM ST', 'TRLR 5'],
    ['9 Elm St Space 7', '9 ELM ST', 'SPC 7'],
    ['9 Elm St Dept 12', '9 ELM ST', 'DEPT 12'],
    ['100 Parking Lot Rd', '100 PARKING LOT RD', ''],
    ['100 County Road 20', '100 COUNTY ROAD 20', ''],
  ])('%s → %s | %s', (text, street, units) => {
    expect(std(text)).toEqual([street, units]);
  });

  it.each([
    ['P.O. Box 123', 'PO BOX 123', 'po_box'],
    ['PO BOX 123', 'PO BOX 123', 'po_box'],
    ['post office box 123', 'PO BOX 123', 'po_box'],
    ['POB 123', 'PO BOX 123', 'po_box'],
    ['Box 45', 'PO BOX 45', 'po_box'],
    ['Drawer 9', 'PO BOX 9', 'po_box'],
    ['RR 2 Box 152', 'RR 2 BOX 152', 'rural_route'],
    ['Rural Route 2 Box 152', 'RR 2 BOX 152', 'rural_route'],
    ['RFD 2', 'RR 2', 'rural_route'],
    ['HC 68 Box 23A', 'HC 68 BOX 23A', 'highway_contract'],
    ['Star Route 68 Box 23A', 'HC 68 BOX 23A', 'highway_contract'],
    ['General Delivery', 'GENERAL DELIVERY', 'general_delivery'],
  ])('%s → %s (%s)', (text, line, kind) => {
    const parsed = parseDeliveryLine(words(text));
    expect([formatStreet(parsed), parsed.kind]).toEqual([line, kind]);
  });

  it('says when a street line has no house number, or a designator no number', () => {
    const noNumber = parseDeliveryLine(words('Main St'));
    expect(noNumber.kind === 'street' && noNumber.primary).toBe('');
    expect(parseDeliveryLine(words('1 Main St Apt')).missingRange).toBe(true);
    expect(parseDeliveryLine(words('1 Main St Apt 3')).missingRange).toBe(false);
  });
});

describe('the Publication 28 tables', () => {
  it('maps every C1 spelling to a standard that maps to itself (standardizing twice changes nothing)', () => {
    for (const word of [
      'AVENUE',
      'AV',
      'BOULEVARD',
      'CRESCENT',
      'CRSNT',
      'EXPRESSWAY',
      'FREEWY',
      'PARKWAYS',
      'STRAVENUE',
      'VILLIAGE',
      'MEADOWS',
      'WALKS',
      'SPURS',
    ]) {
      const standard = streetSuffix(word)!;
      expect(standard, word).toBeDefined();
      expect(streetSuffix(standard), standard).toBe(standard);
    }
    expect(['AVENUE', 'STREET', 'BOULEVARD', 'TERRACE', 'CROSSING', 'MOUNTAIN', 'TURNPIKE'].map(streetSuffix)).toEqual([
      'AVE',
      'ST',
      'BLVD',
      'TER',
      'XING',
      'MTN',
      'TPKE',
    ]);
    expect(streetSuffix('AMERICAS')).toBeUndefined();
  });

  it('knows the C2 designators, which need a number, and #', () => {
    expect(
      ['APARTMENT', 'SUITE', 'FLOOR', 'ROOM', 'BUILDING', 'UNIT', '#', 'BASEMENT', 'PENTHOUSE', 'HANGAR'].map((w) => unitDesignator(w)?.abbreviation),
    ).toEqual(['APT', 'STE', 'FL', 'RM', 'BLDG', 'UNIT', '#', 'BSMT', 'PH', 'HNGR']);
    expect(unitDesignator('SUITE')?.needsRange).toBe(true);
    expect(unitDesignator('REAR')?.needsRange).toBe(false);
    expect(unitDesignator('MAIN')).toBeUndefined();
  });

  it('knows states, possessions and military states by code and by name (Appendix B)', () => {
    expect(['NY', 'NEW YORK', 'DISTRICT OF COLUMBIA', 'PUERTO RICO', 'AE', 'WEST VIRGINIA', 'GUAM'].map(stateCode)).toEqual([
      'NY',
      'NY',
      'DC',
      'PR',
      'AE',
      'WV',
      'GU',
    ]);
    expect(stateCode('ONTARIO')).toBeUndefined();
    expect(stateCode('XX')).toBeUndefined();
  });
});
