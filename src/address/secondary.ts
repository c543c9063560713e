import { unitDesignator } from './pub28-units.js';

/** Secondary units in Publication 28 form ("APT 4B", "STE 500 FL 3", "# 12"), and whether a range was missing. */
export interface Secondary {
  readonly units: readonly string[];
  /** A designator that needs a number came without one ("APT" alone). */
  readonly missingRange: boolean;
}

const ORDINAL = /^(\d+)(?:ST|ND|RD|TH)$/;

/** A word that can be a secondary range: it has a digit, or it is one letter ("APT B"). */
export function isRange(word: string | undefined): word is string {
  return word !== undefined && (/\d/.test(word) || /^[A-Z]$/.test(word));
}

/** The range after a designator at `at`, past any "#" written with it ("APT # 4"); and where to go on. */
function rangeAfter(tokens: readonly string[], at: number): { range?: string; next: number } {
  let i = at + 1;
  while (tokens[i] === '#') i++;
  const word = tokens[i];
  if (word === undefined || unitDesignator(word)) return { next: i };
  return { range: word, next: i + 1 };
}

/** One unit starting at `at`: its standard text and the index after it. */
function unitAt(tokens: readonly string[], at: number): { text: string; next: number; missing: boolean } {
  const word = tokens[at]!;
  const ordinal = ORDINAL.exec(word);
  if (ordinal && unitDesignator(tokens[at + 1] ?? '')?.abbreviation === 'FL') return { text: `FL ${ordinal[1]}`, next: at + 2, missing: false };
  const designator = unitDesignator(word);
  if (!designator) return { text: isRange(word) ? `# ${word}` : word, next: at + 1, missing: false };
  if (!designator.needsRange) return { text: designator.abbreviation, next: at + 1, missing: false };
  const { range, next } = rangeAfter(tokens, at);
  return range ? { text: `${designator.abbreviation} ${range}`, next, missing: false } : { text: designator.abbreviation, next, missing: true };
}

/**
 * The secondary units in standardized words: C2 designators abbreviated, a range without a
 * designator given "#" (section 213), "3RD FLOOR" written "FL 3". Words that are none of these are kept.
 */
export function parseSecondary(tokens: readonly string[]): Secondary {
  const units: string[] = [];
  let missingRange = false;
  for (let i = 0; i < tokens.length;) {
    const unit = unitAt(tokens, i);
    // A word that is not a unit joins the one before it ("BLDG A WEST WING" stays one piece).
    if (unit.text === tokens[i] && !unitDesignator(unit.text) && units.length > 0) units[units.length - 1] += ` ${unit.text}`;
    else units.push(unit.text);
    missingRange ||= unit.missing;
    i = unit.next;
  }
  return { units, missingRange };
}
