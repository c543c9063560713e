import { compoundDirectional, directional } from './directionals.js';
import { streetSuffix } from './pub28-suffixes.js';
import { unitDesignator } from './pub28-units.js';
import { isRange, parseSecondary } from './secondary.js';
import { parsePostal, type PostalLine } from './postal-lines.js';

/** A street address line in its parts (Publication 28, section 231), every part already standardized. */
export interface StreetLine {
  readonly kind: 'street';
  /** House number, with a fraction ("123 1/2") or a hyphen ("41-12"); empty when none was written. */
  readonly primary: string;
  readonly predirectional?: string;
  readonly name: string;
  readonly suffix?: string;
  readonly postdirectional?: string;
}

export type DeliveryLine = (StreetLine | PostalLine) & {
  /** Secondary units found on the street line itself ("123 MAIN ST APT 4" → "APT 4"). */
  readonly units: readonly string[];
  readonly missingRange: boolean;
};

/** Suffixes a bare number may follow as part of the name ("COUNTY ROAD 20", "STATE HWY 9"), not as a unit. */
const ROUTE_SUFFIXES = new Set(['HWY', 'RD', 'RTE', 'FWY', 'EXPY', 'TPKE', 'PIKE', 'BYP']);

/** The house number and fraction at the start: how many words they take. */
function primaryWords(tokens: readonly string[]): number {
  if (!tokens[0] || !/\d/.test(tokens[0])) return 0;
  return /^\d+\/\d+$/.test(tokens[1] ?? '') ? 2 : 1;
}

/** Where the secondary units begin in the street words (after at least one name word), or tokens.length. */
function unitStart(tokens: readonly string[], from: number): number {
  for (let i = from + 1; i < tokens.length; i++) {
    const word = tokens[i]!;
    const previous = tokens[i - 1]!;
    const designator = unitDesignator(word);
    const last = i === tokens.length - 1;
    if (/^\d+(?:ST|ND|RD|TH)$/.test(word) && unitDesignator(tokens[i + 1] ?? '')?.abbreviation === 'FL') return i;
    if (designator?.needsRange || word === '#') {
      const next = tokens[i + 1];
      // "100 PARKING LOT RD": a designator followed only by a suffix is part of the name.
      if (!(next !== undefined && i + 1 === tokens.length - 1 && streetSuffix(next) && !isRange(next))) return i;
    } else if (designator && streetSuffix(previous) && i - 1 > from) return i;
    else if (last && isRange(word) && /\d/.test(word) && i - 1 > from && streetSuffix(previous) && !ROUTE_SUFFIXES.has(streetSuffix(previous)!)) return i;
  }
  return tokens.length;
}

/** The directional, suffix and name of the street words between the number and the units. */
function streetParts(body: readonly string[]): Omit<StreetLine, 'kind' | 'primary'> {
  let words = [...body];
  let postdirectional: string | undefined;
  let predirectional: string | undefined;
  const lastTwo = words.length >= 4 ? compoundDirectional(words.at(-2), words.at(-1)) : undefined;
  if (lastTwo) [postdirectional, words] = [lastTwo, words.slice(0, -2)];
  else if (words.length >= 2 && directional(words.at(-1))) [postdirectional, words] = [directional(words.at(-1)), words.slice(0, -1)];
  const firstTwo = compoundDirectional(words[0], words[1]);
  const take = firstTwo ? 2 : directional(words[0]) ? 1 : 0;
  const rest = words.slice(take);
  // A directional is the name itself when nothing but a suffix would follow it ("123 NORTH ST").
  if (take > 0 && (rest.length >= 2 || (rest.length === 1 && !streetSuffix(rest[0]!)))) {
    predirectional = firstTwo ?? directional(words[0]);
    words = rest;
  }
  // The last word is the suffix when a name stays before it; of two suffix words only the last is one (234.2).
  const suffix = words.length >= 2 ? streetSuffix(words.at(-1)!) : undefined;
  if (suffix) words = words.slice(0, -1);
  return { name: words.join(' '), ...(predirectional && { predirectional }), ...(suffix && { suffix }), ...(postdirectional && { postdirectional }) };
}

/** A delivery address line (street, PO Box, rural route, highway contract, general delivery), standardized. */
export function parseDeliveryLine(tokens: readonly string[]): DeliveryLine {
  const postal = parsePostal(tokens);
  if (postal) {
    const secondary = parseSecondary(postal.rest);
    return { ...postal.line, units: secondary.units, missingRange: secondary.missingRange };
  }
  const n = primaryWords(tokens);
  const start = unitStart(tokens, n);
  const secondary = parseSecondary(tokens.slice(start));
  const street: StreetLine = { kind: 'street', primary: tokens.slice(0, n).join(' '), ...streetParts(tokens.slice(n, start)) };
  return { ...street, units: secondary.units, missingRange: secondary.missingRange };
}

/** The delivery line as printed, without its secondary units. */
export function formatStreet(line: StreetLine | PostalLine): string {
  if (line.kind !== 'street') return line.text;
  return [line.primary, line.predirectional, line.name, line.suffix, line.postdirectional].filter((p) => p).join(' ');
}
