import { ADDRESS_CITY_MAX_EDITS, ADDRESS_ZIPS_PER_CITY, MAX_ADDRESS_SUGGESTIONS } from '../constants.js';
import { cityKey, editDistance } from './city.js';
import type { ParsedAddress } from './parse.js';
import type { AddressSuggestion, MatchType, StandardAddress } from './schemas.js';
import * as S from './scores.js';
import { zeroPadded } from './zip.js';
import type { ZipPlace, ZipTable } from './zip-table.js';

/** One possible last line (city, state, ZIP) for the address, before ranking. */
interface Candidate {
  readonly match: MatchType;
  readonly score: number;
  readonly place: ZipPlace;
  /** The ZIP+4 given still belongs to this ZIP (its ZIP was not changed). */
  readonly keepZip4: boolean;
}

const candidate = (match: MatchType, score: number, place: ZipPlace, keepZip4 = false): Candidate => ({ match, score, place, keepZip4 });

/** The city of a ZIP instead of the city given: the closer the spelling, the likelier. */
function cityOfZipScore(given: string, zipCity: string): number {
  const d = editDistance(given, cityKey(zipCity), 5);
  return Math.max(S.CITY_OF_ZIP_FLOOR, S.CITY_OF_ZIP - S.PER_EDIT * d);
}

/** The ZIP Codes of a city, nearest (numerically) to the ZIP given first, at most ADDRESS_ZIPS_PER_CITY. */
function zipsOfCity(p: ParsedAddress, key: string, state: string, table: ZipTable): readonly ZipPlace[] {
  const near = Number(p.zip?.zip5 ?? zeroPadded(p.zipText) ?? NaN);
  const places = [...table.zipsOf(key, state)];
  if (!Number.isNaN(near)) places.sort((a, b) => Math.abs(Number(a.zip5) - near) - Math.abs(Number(b.zip5) - near) || a.zip5.localeCompare(b.zip5));
  return places.slice(0, ADDRESS_ZIPS_PER_CITY);
}

const ofCity = (p: ParsedAddress, state: string, table: ZipTable, match: MatchType, base: number): Candidate[] =>
  zipsOfCity(p, p.cityKey, state, table).map((place, i) => candidate(match, S.ranked(base, i), place));

/** A ZIP found in the dataset: does the city and state given agree with it, and if not, which side to trust. */
function fromZip(p: ParsedAddress, place: ZipPlace, table: ZipTable): Candidate[] {
  const { city, state } = p.standardized;
  const cityOk = p.cityKey === cityKey(place.city);
  const stateOk = state === place.state;
  if (cityOk && stateOk) return [candidate('standardized', S.STANDARDIZED, place, true)];
  if (cityOk) return [candidate('state_corrected', state ? S.STATE_CORRECTED : S.FILLED_IN, place, true)];
  if (stateOk) {
    if (!city) return [candidate('city_corrected', S.FILLED_IN, place, true)];
    return [candidate('city_corrected', cityOfZipScore(p.cityKey, place.city), place, true), ...ofCity(p, state, table, 'zip_corrected', S.ZIP_OF_NAMED_CITY)];
  }
  if (!city && !state) return [candidate('city_state_from_zip', S.FROM_ZIP_ALONE, place, true)];
  const named = city && state ? ofCity(p, state, table, 'zip_corrected', S.ZIP_OF_NAMED_CITY) : [];
  return [candidate('city_state_from_zip', S.FROM_ZIP_CONTRADICTED, place, true), ...named];
}

/** Cities of the state a few letters from the one given (a misspelling), nearest first. */
function nearCities(p: ParsedAddress, state: string, table: ZipTable): Candidate[] {
  const near = table
    .cityKeys(state)
    .map((key) => ({ key, d: editDistance(p.cityKey, key, ADDRESS_CITY_MAX_EDITS) }))
    .filter((c) => c.d <= ADDRESS_CITY_MAX_EDITS)
    .sort((a, b) => a.d - b.d || a.key.localeCompare(b.key))
    .slice(0, MAX_ADDRESS_SUGGESTIONS);
  return near.flatMap(({ key, d }) =>
    zipsOfCity(p, key, state, table).map((place, i) => candidate('city_corrected', S.ranked(S.NEAR_CITY - S.PER_EDIT * d, i), place)),
  );
}

/** No usable ZIP: the ZIP Codes of the city and state named, or of a city spelt nearly so. */
function fromCity(p: ParsedAddress, table: ZipTable): Candidate[] {
  const { state } = p.standardized;
  if (!state || !p.cityKey) return [];
  const zips = table.zipsOf(p.cityKey, state);
  if (zips.length === 0) return nearCities(p, state, table);
  if (p.zipText !== '') return ofCity(p, state, table, 'zip_corrected', S.ZIP_OF_NAMED_CITY);
  if (zips.length === 1) return [candidate('zip_from_city', S.ONLY_ZIP_OF_CITY, zips[0]!)];
  return ofCity(p, state, table, 'zip_from_city', S.ZIP_OF_CITY);
}

/** Every candidate last line for a parsed address. */
function candidates(p: ParsedAddress, table: ZipTable): Candidate[] {
  const given = p.zip ? table.place(p.zip.zip5) : undefined;
  if (given) return fromZip(p, given, table);
  const padded = p.zip ? null : zeroPadded(p.zipText);
  const repaired = padded ? table.place(padded) : undefined;
  // A ZIP that lost its leading zeros: what it says once padded, never above a corrected state.
  const fromPadded = repaired ? fromZip(p, repaired, table).map((c) => candidate('zip_corrected', Math.min(c.score, S.STATE_CORRECTED), c.place)) : [];
  return [...fromPadded, ...fromCity(p, table)];
}

function toSuggestion(c: Candidate, base: StandardAddress): AddressSuggestion {
  const zip4 = c.keepZip4 ? base.zip4 : undefined;
  const address: StandardAddress = {
    street: base.street,
    ...(base.secondary && { secondary: base.secondary }),
    city: c.place.city,
    state: c.place.state,
    zip5: c.place.zip5,
    ...(zip4 && { zip4 }),
  };
  const changed = (['city', 'state', 'zip5', 'zip4'] as const).filter((f) => (address[f] ?? '') !== (base[f] ?? ''));
  return { match: c.match, score: c.score, address, changed };
}

/** The ranked suggestions for a parsed address: best first, one per distinct address, at most MAX_ADDRESS_SUGGESTIONS. */
export function suggest(p: ParsedAddress, table: ZipTable): AddressSuggestion[] {
  const best = new Map<string, AddressSuggestion>();
  for (const c of candidates(p, table)) {
    const s = toSuggestion(c, p.standardized);
    const key = `${s.address.city}|${s.address.state}|${s.address.zip5}|${s.address.zip4 ?? ''}`;
    if ((best.get(key)?.score ?? -1) < s.score) best.set(key, s);
  }
  return [...best.values()]
    .sort((a, b) => b.score - a.score || a.address.zip5.localeCompare(b.address.zip5) || a.address.city.localeCompare(b.address.city))
    .slice(0, MAX_ADDRESS_SUGGESTIONS);
}
