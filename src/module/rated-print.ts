import { fail } from '../errors.js';
import { ItemFormatError, validatePostage, type KindElements } from '../indicium/index.js';
import { TIERS, type Price, type RateBook, type RateRequest, type Tier } from '../rates/index.js';

// The module's own price check. Once two officers have installed a rate table, a postage item is
// signed only for the price of its class, weight, size and ZIPs under the table in force on its
// mailing date, and it names that table and the zone. A module with no table installed prices
// nothing (an unrated installation: docs/RATES.md), and the amount is the client's, unless its
// keystore says the installation is rated: then it refuses postage until a table is installed.

type Params = Record<string, string | undefined>;
const DIMS = /^(\d{1,5})x(\d{1,5})x(\d{1,5})$/;

/** The tiers the amount may be the price of: the one the client named, else any. */
export function tiersOf(raw: string | undefined): readonly Tier[] {
  if (raw === undefined) return TIERS;
  return (TIERS as readonly string[]).includes(raw) ? [raw as Tier] : fail('unknown_rate_class', `the price tier is ${TIERS.join(' or ')}`);
}

/** The price under each tier asked for; the first refusal when no tier prices the piece. */
function pricesOf(book: RateBook, date: string, tiers: readonly Tier[], piece: Omit<RateRequest, 'tier'>): Price[] {
  const prices: Price[] = [];
  let refusal: unknown = null;
  for (const tier of tiers) {
    try {
      prices.push(book.price(date, { ...piece, tier }));
    } catch (e) {
      refusal ??= e;
    }
  }
  if (prices.length === 0) throw refusal;
  return prices;
}

/** "LxWxH" in tenths of an inch, e.g. "120x80x60" for 12 × 8 × 6 in. */
export function parseDims(raw: string | undefined): [number, number, number] | null {
  if (raw === undefined || raw === '') return null;
  const m = DIMS.exec(raw) ?? fail('invalid_dimensions', 'dimensions are "LxWxH" in tenths of an inch, e.g. 120x80x60');
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function priceChecked(
  book: RateBook | undefined,
  requested: { date: string; elements: KindElements },
  p: Params,
  amountMills: bigint,
  rated = false,
): { date: string; elements: KindElements } {
  const { date, elements } = requested;
  if (elements.kind !== 'postage') return requested;
  if (!book || book.size === 0) {
    if (rated) fail('no_rate_table', 'this installation prices postage, and this module holds no rate table: two security officers install one');
    return requested;
  }
  const postage = elements.postage;
  try {
    validatePostage(postage);
  } catch (e) {
    if (e instanceof ItemFormatError) fail('invalid_request', e.message);
    throw e;
  }
  const prices = pricesOf(book, date, tiersOf(p.tier), {
    classCode: postage.rateCategory,
    weightTenthOz: postage.weightTenthOz,
    dimsTenthIn: parseDims(p.dimsTenthIn),
    fromZip: postage.originZip,
    toZip: postage.destination,
  });
  const price = prices.find((x) => x.priceMills === amountMills);
  if (!price) {
    const first = prices[0]!;
    const asked = prices.map((x) => `${x.priceMills} (${x.tier})`).join(' or ');
    fail(
      'rate_mismatch',
      `${first.className} to zone ${first.zone} at ${first.billedTenthOz / 10} oz costs ${asked} mills under ${first.tableId}, not ${amountMills}`,
      {
        priceMills: first.priceMills.toString(),
        rateTable: first.tableId,
        zone: String(first.zone),
      },
    );
  }
  return { date, elements: { kind: 'postage', postage: { ...postage, rated: { rateTable: price.tableId, zone: price.zone === 'local' ? 0 : price.zone } } } };
}
