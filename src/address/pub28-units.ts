// USPS Publication 28, Appendix C2 "Secondary Unit Designators"
// (https://pe.usps.com/text/pub28/28apc_003.htm), and section 213: a designator the writer did not
// name (or that C2 does not list) is printed as "#". Each row: the approved abbreviation, whether C2
// requires a secondary range (unit number) after it, then the spellings taken for it.
const C2 = `
APT + APARTMENT APPT|BSMT - BASEMENT|BLDG + BUILDING BLD BLDNG|DEPT + DEPARTMENT DEP|FL + FLOOR FLR
FRNT - FRONT|HNGR + HANGAR HANGER|KEY + KEY|LBBY - LOBBY|LOT + LOT|LOWR - LOWER|OFC - OFFICE|PH - PENTHOUSE
PIER + PIER|REAR - REAR|RM + ROOM|SIDE - SIDE|SLIP + SLIP|SPC + SPACE|STOP + STOP|STE + SUITE|TRLR + TRAILER
UNIT + UNIT|UPPR - UPPER|# + NO NUMBER`;

export interface UnitDesignator {
  /** The C2 abbreviation, or "#". */
  readonly abbreviation: string;
  /** C2 marks most designators as needing a number after them ("APT 4B"); a few stand alone ("REAR"). */
  readonly needsRange: boolean;
}

const UNITS: ReadonlyMap<string, UnitDesignator> = new Map(
  C2.split(/[|\n]/)
    .map((row) => row.trim().split(' '))
    .filter((row) => row[0])
    .flatMap(([abbreviation, range, ...spellings]) =>
      [abbreviation!, ...spellings].map((s) => [s, { abbreviation: abbreviation!, needsRange: range === '+' }] as const),
    ),
);

/** The designator a word names ("SUITE" → STE), or undefined. */
export function unitDesignator(word: string): UnitDesignator | undefined {
  return UNITS.get(word);
}
