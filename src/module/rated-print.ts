import { fail } from '../errors.js';
import { ItemFormatError, validatePostage, type KindElements } from '../indicium/index.js';
import { TIERS, type RateBook, type Tier } from '../rates/index.js';

// The module's own price check. Once two officers have installed a rate table, a postage item is
// signed only for the price of its class, weight, size and ZIPs under the table in force on its
// mailing date, and it names that table and the zone. A module with no table installed prices
// nothing (an unrated installation: docs/RATES.md): the amount is then the client's.

type Params = Record<string, string | undefined>;
const DIMS = /^(\d{1,5})x(\d{1,5})x(\d{1,5})$/;

export function parseTier(raw: string | undefined): Tier {
  const tier = raw ?? 'commercial';
  return (TIERS as readonly string[]).includes(tier) ? (tier as Tier) : fail('unknown_rate_class', `the price tier is ${TIERS.join(' or ')}`);
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
): { date: string; elements: KindElements } {
  const { date, elements } = requested;
  if (elements.kind !== 'postage' || !book || book.size === 0) return requested;
  const postage = elements.postage;
  try {
    validatePostage(postage);
  } catch (e) {
    if (e instanceof ItemFormatError) fail('invalid_request', e.message);
    throw e;
  }
  const price = book.price(date, {
    classCode: postage.rateCategory,
    tier: parseTier(p.tier),
    weightTenthOz: postage.weightTenthOz,
    dimsTenthIn: parseDims(p.dimsTenthIn),
    fromZip: postage.originZip,
    toZip: postage.destination,
  });
  if (price.priceMills !== amountMills)
    fail('rate_mismatch', `${price.className} (${price.tier}) to zone ${price.zone} at ${price.billedTenthOz / 10} oz costs ${price.priceMills} mills under ${price.tableId}, not ${amountMills}`, {
      priceMills: price.priceMills.toString(),
      rateTable: price.tableId,
      zone: String(price.zone),
    });
  return { date, elements: { kind: 'postage', postage: { ...postage, rated: { rateTable: price.tableId, zone: price.zone === 'local' ? 0 : price.zone } } } };
}
