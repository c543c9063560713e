import { cityKey } from './city.js';
import { streetSuffix } from './pub28-suffixes.js';
import { STATE_NAME_MAX_WORDS, stateCode } from './states.js';
import { segments } from './text.js';
import type { ZipTable } from './zip-table.js';

/** The fields of a free-text address, in standardized words ('' when absent). */
export interface SplitAddress {
  readonly street: string;
  readonly city: string;
  readonly state: string;
  readonly zip: string;
}

const COUNTRY = ['USA', 'US', 'UNITED STATES', 'UNITED STATES OF AMERICA'];
/** Most words a city name takes when no comma marks where it starts ("RANCHO SANTA MARGARITA"). */
const CITY_MAX_WORDS = 4;

interface Words {
  readonly tokens: string[];
  /** For each token, the index of its comma-separated segment. */
  readonly segment: number[];
}

function flatten(line: string): Words {
  const segs = segments(line);
  return { tokens: segs.flat(), segment: segs.flatMap((s, i) => s.map(() => i)) };
}

/** Drops a trailing country name; returns the new end. */
function withoutCountry(tokens: readonly string[], end: number): number {
  for (const name of COUNTRY) {
    const n = name.split(' ').length;
    if (end - n > 0 && tokens.slice(end - n, end).join(' ') === name) return end - n;
  }
  return end;
}

/** A ZIP at the end ("10001", "10001-1234", "10001 1234", or a ZIP that lost its zeros): [zip, its start]. */
function zipAt(tokens: readonly string[], end: number): [string, number] {
  const last = tokens[end - 1] ?? '';
  const before = tokens[end - 2] ?? '';
  if (/^\d{4}$/.test(last) && /^\d{5}$/.test(before)) return [`${before}-${last}`, end - 2];
  if (/^\d{5}(?:-?\d{4})?$/.test(last)) return [last, end - 1];
  // Spreadsheets drop leading zeros ("2134" for 02134): such a number is a ZIP only right after a state.
  if (/^\d{3,4}$/.test(last) && end >= 3 && stateAt(tokens, end - 1)[0] !== '') return [last, end - 1];
  return ['', end];
}

/** A state (code or full name) ending at `end`: [code, its start], the longest name first. */
function stateAt(tokens: readonly string[], end: number): [string, number] {
  for (let n = Math.min(STATE_NAME_MAX_WORDS, end - 1); n >= 1; n--) {
    const code = stateCode(tokens.slice(end - n, end).join(' '));
    if (code) return [code, end - n];
  }
  return ['', end];
}

/** Where the city starts, when no comma says so: the longest known city name before `end`, else after the street's last suffix. */
function cityStart(words: Words, end: number, state: string, zip: string, table: ZipTable): number {
  const first = words.segment[end - 1]!;
  const floor = Math.max(words.segment.indexOf(first), 0);
  if (floor > 0) return floor;
  const zipCity = table.place(zip.slice(0, 5))?.city;
  for (let n = Math.min(CITY_MAX_WORDS, end - 2); n >= 1; n--) {
    const key = cityKey(words.tokens.slice(end - n, end).join(' '));
    if ((zipCity && key === cityKey(zipCity)) || (state && table.zipsOf(key, state).length > 0)) return end - n;
  }
  // No city known: it starts after the street's last suffix or number ("123 MAIN ST 10001" has none).
  for (let i = end; i >= 2; i--) if (streetSuffix(words.tokens[i - 1]!) || /\d/.test(words.tokens[i - 1]!)) return i;
  return end - 1;
}

/**
 * Splits one line into street (with its secondary units), city, state and ZIP. Commas decide where
 * they are written; without them the ZIP dataset recognizes the city. A state without a ZIP is only
 * read as one where a comma or enough words set it apart ("123 MAIN CT" is a street in no state).
 */
export function splitLine(line: string, table: ZipTable): SplitAddress {
  const words = flatten(line);
  const { tokens } = words;
  let end = withoutCountry(tokens, tokens.length);
  const [zip, zipStart] = zipAt(tokens, end);
  end = zipStart;
  let [state, stateStart] = stateAt(tokens, end);
  const apart = zip !== '' || words.segment[stateStart] !== words.segment[0] || stateStart >= 4;
  if (!apart) [state, stateStart] = ['', end];
  end = stateStart;
  if (!zip && !state && words.segment[end - 1] === words.segment[0]) return { street: tokens.slice(0, end).join(' '), city: '', state, zip };
  const start = end > 1 ? cityStart(words, end, state, zip, table) : end;
  return { street: tokens.slice(0, start).join(' '), city: tokens.slice(start, end).join(' '), state, zip };
}
