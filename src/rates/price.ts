import { fail } from '../errors.js';
import type { RateClass, RateTable, Tier, WeightStep } from './table.js';
import { zoneOf, type Zone, type ZoneData } from './zones.js';

// The price of one piece: class, weight, size and the two ZIPs, under one table. The module runs
// this same function to check the amount a client signed; the quote service runs it to tell them.

/** Dimensional weight applies above one cubic foot (USPS DMM 123 / Notice 123). */
const DIM_THRESHOLD_CUBIC_IN = 1728;

export interface RateRequest {
  readonly classCode: string;
  readonly tier: Tier;
  readonly weightTenthOz: number;
  /** Length, width and height in tenths of an inch, when known. */
  readonly dimsTenthIn: readonly [number, number, number] | null;
  readonly fromZip: string;
  readonly toZip: string;
}

export interface Price {
  readonly tableId: string;
  readonly classCode: string;
  readonly className: string;
  readonly tier: Tier;
  /** The zone between the ZIPs; the price depends on it only for a zoned class. */
  readonly zone: Zone;
  readonly zoned: boolean;
  /** The weight the price is for: the actual weight, or the dimensional weight when larger. */
  readonly billedTenthOz: number;
  readonly priceMills: bigint;
}

/** Dimensional weight in tenths of an ounce, or 0 below the threshold (each side rounded to the inch). */
export function dimWeightTenthOz(dims: readonly [number, number, number], divisor: number): number {
  const inches = dims.map((d) => Math.round(d / 10));
  const cubic = inches[0]! * inches[1]! * inches[2]!;
  if (cubic <= DIM_THRESHOLD_CUBIC_IN) return 0;
  return Math.ceil(cubic / divisor) * 160;
}

function stepFor<P>(steps: readonly WeightStep<P>[], tenthOz: number): WeightStep<P> | undefined {
  return steps.find((s) => tenthOz * 10 <= s.upToHundredthsOz);
}

function noPrice(c: RateClass, tier: Tier, table: RateTable, what: string): never {
  return fail('unknown_rate_class', `${table.id} has no ${tier} price for ${c.code} ${what}`);
}

function priceIn(c: RateClass, tier: Tier, zone: Zone, billedTenthOz: number, table: RateTable): number {
  if (c.shape === 'flat') return c.prices[tier] ?? noPrice(c, tier, table, '');
  if (c.shape === 'weight') {
    const steps = c.prices[tier] ?? noPrice(c, tier, table, '');
    return stepFor(steps, billedTenthOz)?.price ?? noPrice(c, tier, table, `at ${billedTenthOz / 10} oz`);
  }
  const steps = c.prices[tier] ?? noPrice(c, tier, table, '');
  const step = stepFor(steps, billedTenthOz) ?? noPrice(c, tier, table, `at ${billedTenthOz / 10} oz`);
  const column = zone === 'local' ? 0 : zone - 1;
  return step.price[column] ?? noPrice(c, tier, table, `at ${billedTenthOz / 10} oz in zone ${zone}`);
}

function checkDims(dims: readonly number[] | null): void {
  if (dims !== null && !(dims.length === 3 && dims.every((d) => Number.isSafeInteger(d) && d > 0 && d <= 10_800)))
    fail('invalid_dimensions', 'dimensions are three lengths above 0 and at most 1,080 inches');
}

export function priceOf(table: RateTable, zones: ZoneData, r: RateRequest): Price {
  const c =
    table.classes.get(r.classCode) ?? fail('unknown_rate_class', `${table.id} has no class ${r.classCode}; it has ${[...table.classes.keys()].join(', ')}`);
  if (!Number.isSafeInteger(r.weightTenthOz) || r.weightTenthOz <= 0) fail('invalid_request', 'the weight must be a positive number of tenths of an ounce');
  checkDims(r.dimsTenthIn);
  if (r.weightTenthOz * 10 > c.maxHundredthsOz)
    fail('weight_over_limit', `${c.name} takes at most ${c.maxHundredthsOz / 100} oz; the piece weighs ${r.weightTenthOz / 10} oz`);
  const zone = zoneOf(zones, r.fromZip, r.toZip) ?? fail('unknown_zip', `no ZIP area is known for ${r.fromZip} or ${r.toZip}`);
  const dim = c.shape === 'zoned' && c.dimDivisor !== null && r.dimsTenthIn ? dimWeightTenthOz(r.dimsTenthIn, c.dimDivisor) : 0;
  const billedTenthOz = Math.max(r.weightTenthOz, dim);
  if (billedTenthOz * 10 > c.maxHundredthsOz)
    fail('weight_over_limit', `the piece's dimensional weight, ${billedTenthOz / 160} lb, is over the ${c.maxHundredthsOz / 1600} lb ${c.name} takes`);
  const mills = priceIn(c, r.tier, zone, billedTenthOz, table);
  return {
    tableId: table.id,
    classCode: c.code,
    className: c.name,
    tier: r.tier,
    zone,
    zoned: c.shape === 'zoned',
    billedTenthOz,
    priceMills: BigInt(mills),
  };
}
