// The scores of the match types (0-100, 100 certain). The check before a print takes a suggestion
// without asking from ADDRESS_ACCEPT_SCORE (90) up: only where nothing the writer gave was overruled.

/** The address agrees with the dataset as written (100), or once standardized (95). */
export const EXACT = 100;
export const STANDARDIZED = 95;
/** A field left out and filled in from the others, with nothing to contradict it (a missing state, a missing city). */
export const FILLED_IN = 90;
/** The only ZIP Code of the city named, where no ZIP was given. */
export const ONLY_ZIP_OF_CITY = 90;
/** City and ZIP agree, the state given is another one. */
export const STATE_CORRECTED = 85;
/** City and state taken from the ZIP alone (nothing else was given, or the city and state given are unknown together). */
export const FROM_ZIP_ALONE = 80;
export const FROM_ZIP_CONTRADICTED = 55;
/** A real city of the state with a ZIP that is not one of its own: its nearest ZIP first, one point less per rank. */
export const ZIP_OF_NAMED_CITY = 78;
/** The city of the ZIP instead of the one given: less the further the names are apart. */
export const CITY_OF_ZIP = 85;
export const CITY_OF_ZIP_FLOOR = 60;
export const PER_EDIT = 5;
/** A ZIP of the city named, where none was given and the city has several: one point less per rank. */
export const ZIP_OF_CITY = 70;
/** A city of the state a few letters from the one given. */
export const NEAR_CITY = 70;

/** A ranked score: `base` less one point per rank, never below 1. */
export function ranked(base: number, rank: number): number {
  return Math.max(1, base - rank);
}
