import { words } from './text.js';

// City names are compared by a key, so that the spellings a writer and the ZIP file may use for one
// name meet: "ST. LOUIS" and "SAINT LOUIS", "FT WORTH" and "FORT WORTH", "MT VERNON" and "MOUNT VERNON".
const EXPANSIONS: ReadonlyMap<string, string> = new Map([
  ['ST', 'SAINT'],
  ['STE', 'SAINTE'],
  ['FT', 'FORT'],
  ['MT', 'MOUNT'],
  ['PT', 'POINT'],
  ['N', 'NORTH'],
  ['S', 'SOUTH'],
  ['E', 'EAST'],
  ['W', 'WEST'],
]);

/** The comparison key of a city name: standardized words, common abbreviations spelled out. */
export function cityKey(city: string): string {
  return words(city)
    .map((w) => EXPANSIONS.get(w) ?? w)
    .join(' ');
}

/**
 * Levenshtein distance, stopping early once it must exceed `max` (the answer is then max + 1): a
 * misspelt city is looked for among a state's thousands of names on every verification.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      best = Math.min(best, row[j]!);
    }
    if (best > max) return max + 1;
    previous = row;
  }
  return Math.min(previous[b.length]!, max + 1);
}
