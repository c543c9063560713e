// Delivery lines without a street (Publication 28, sections 24-28): PO Boxes ("PO BOX 123"), rural
// routes ("RR 2 BOX 152"; RFD and RD are written RR), highway contract routes ("HC 68 BOX 23A"; STAR
// ROUTE is written HC), and GENERAL DELIVERY. The standard spellings are written with no punctuation.

export interface PostalLine {
  readonly kind: 'po_box' | 'rural_route' | 'highway_contract' | 'general_delivery';
  /** The line as printed: "PO BOX 123", "RR 2 BOX 152", "GENERAL DELIVERY". */
  readonly text: string;
}

const PO_BOX = [
  ['PO', 'BOX'],
  ['P', 'O', 'BOX'],
  ['POST', 'OFFICE', 'BOX'],
  ['POB'],
  ['POBOX'],
  ['BOX'],
  ['PO'],
  ['P', 'O'],
  ['CALLER'],
  ['DRAWER'],
  ['LOCKBOX'],
];
const RURAL = [['RR'], ['R', 'R'], ['RURAL', 'ROUTE'], ['RURAL', 'RTE'], ['RFD'], ['RD']];
const CONTRACT = [['HC'], ['HCR'], ['HIGHWAY', 'CONTRACT'], ['HWY', 'CONTRACT'], ['STAR', 'ROUTE'], ['STAR', 'RTE']];

/** How many words of `tokens` one of the spellings takes at the start, or 0. */
function prefixLength(tokens: readonly string[], spellings: readonly (readonly string[])[]): number {
  const hit = spellings.find((s) => s.every((w, i) => tokens[i] === w));
  return hit?.length ?? 0;
}

const isNumberish = (w: string | undefined): w is string => w !== undefined && /\d/.test(w);

/** "BOX n" after a route number: the box and the words after it. */
function boxAfter(tokens: readonly string[], at: number): { box?: string; next: number } {
  if ((tokens[at] === 'BOX' || tokens[at] === 'BX') && tokens[at + 1] !== undefined) return { box: tokens[at + 1], next: at + 2 };
  return { next: at };
}

/** A route line (RR or HC): the route number, the box if any, and the words after them. */
function route(tokens: readonly string[], at: number, kind: 'rural_route' | 'highway_contract'): { line: PostalLine; rest: string[] } | null {
  const number = tokens[at];
  // "RD 2" is a rural route only with its box: "100 RD" alone is not a line of this kind.
  if (!isNumberish(number) || (tokens[0] === 'RD' && tokens[at + 1] !== 'BOX')) return null;
  const { box, next } = boxAfter(tokens, at + 1);
  const head = kind === 'rural_route' ? 'RR' : 'HC';
  return { line: { kind, text: box ? `${head} ${number} BOX ${box}` : `${head} ${number}` }, rest: tokens.slice(next) };
}

/** A delivery line of one of these kinds and the words after it (a secondary, rarely), or null for a street line. */
export function parsePostal(tokens: readonly string[]): { line: PostalLine; rest: string[] } | null {
  if (tokens[0] === 'GENERAL' && tokens[1] === 'DELIVERY') return { line: { kind: 'general_delivery', text: 'GENERAL DELIVERY' }, rest: tokens.slice(2) };
  const box = prefixLength(tokens, PO_BOX);
  if (box > 0 && tokens[box] !== undefined && (isNumberish(tokens[box]) || /^[A-Z]$/.test(tokens[box]!)))
    return { line: { kind: 'po_box', text: `PO BOX ${tokens[box]}` }, rest: tokens.slice(box + 1) };
  const rural = prefixLength(tokens, RURAL);
  if (rural > 0) return route(tokens, rural, 'rural_route');
  const contract = prefixLength(tokens, CONTRACT);
  if (contract > 0) return route(tokens, contract, 'highway_contract');
  return null;
}
