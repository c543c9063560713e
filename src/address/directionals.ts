// USPS Publication 28, section 233 and Appendix C: the eight directionals, printed as one or two
// letters before or after the street name ("N MAIN ST", "MAIN ST NW").
const DIRECTIONALS: ReadonlyMap<string, string> = new Map([
  ...['N', 'S', 'E', 'W', 'NE', 'NW', 'SE', 'SW'].map((d) => [d, d] as const),
  ['NORTH', 'N'],
  ['SOUTH', 'S'],
  ['EAST', 'E'],
  ['WEST', 'W'],
  ['NORTHEAST', 'NE'],
  ['NORTHWEST', 'NW'],
  ['SOUTHEAST', 'SE'],
  ['SOUTHWEST', 'SW'],
]);

/** The abbreviation of a directional word ("NORTHEAST" → NE), or undefined. */
export function directional(word: string | undefined): string | undefined {
  return word === undefined ? undefined : DIRECTIONALS.get(word);
}

/**
 * A directional written as two words ("NORTH EAST", "N W") read as one: the abbreviation, or
 * undefined when the two words are not N/S followed by E/W.
 */
export function compoundDirectional(first: string | undefined, second: string | undefined): string | undefined {
  const a = directional(first);
  const b = directional(second);
  return (a === 'N' || a === 'S') && (b === 'E' || b === 'W') ? a + b : undefined;
}
