import { need, isRecord } from './rate-data-error.js';
import { RATE_TABLE_FORMAT, TIERS, type RateClass, type RateTable, type Tier, type WeightStep, type ZonePrices } from './table.js';

// Reading a rate table file strictly: a wrong figure must fail here, not price an item.

export const RATE_TABLE_ID = /^[A-Z0-9-]{1,24}$/;
export const CLASS_CODE = /^[A-Z0-9-]{1,16}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A generous ceiling on one price: $10,000, in mills. */
const MAX_PRICE_MILLS = 10_000_000;
const MAX_WEIGHT_OZ = 1120;
const ZONES = 9;

const hundredths = (oz: number): number => Math.round(oz * 100);

function price(v: unknown, where: string): number | null {
  if (v === null) return null;
  need(Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= MAX_PRICE_MILLS, `${where}: a price is a positive integer of mills`);
  return v as number;
}

function zonePrices(v: unknown, where: string): ZonePrices {
  need(Array.isArray(v) && v.length === ZONES, `${where}: a zoned step has ${ZONES} prices, zones 1 to 9`);
  return v.map((p, i) => price(p, `${where} zone ${i + 1}`));
}

function steps<P>(v: unknown, where: string, cell: (p: unknown, w: string) => P): WeightStep<P>[] | null {
  if (v === null) return null;
  need(Array.isArray(v) && v.length > 0, `${where}: steps are a non-empty list of [upToOz, price]`);
  let last = 0;
  return v.map((s, i) => {
    need(Array.isArray(s) && s.length === 2 && typeof s[0] === 'number', `${where} step ${i + 1}: expected [upToOz, price]`);
    const up = hundredths(s[0] as number);
    need(up > last && up <= MAX_WEIGHT_OZ * 100, `${where} step ${i + 1}: weights rise, up to ${MAX_WEIGHT_OZ} oz`);
    last = up;
    return { upToHundredthsOz: up, price: cell(s[1], `${where} ${s[0] as number} oz`) };
  });
}

function tiers<T>(v: unknown, where: string, read: (t: unknown, w: string) => T | null): Record<Tier, T | null> {
  need(isRecord(v), `${where}: prices must be an object with ${TIERS.join(' and ')}`);
  const out = {} as Record<Tier, T | null>;
  for (const tier of TIERS) out[tier] = v[tier] === undefined ? null : read(v[tier], `${where} ${tier}`);
  need(
    TIERS.some((t) => out[t] !== null),
    `${where}: no tier has prices`,
  );
  return out;
}

function rateClass(code: string, v: unknown): RateClass {
  const where = `class ${code}`;
  need(CLASS_CODE.test(code), `${where}: a class code is 1-16 of A-Z, 0-9 and -`);
  need(isRecord(v) && typeof v.name === 'string' && v.name.length > 0, `${where}: needs a name`);
  need(typeof v.maxWeightOz === 'number' && v.maxWeightOz > 0 && v.maxWeightOz <= MAX_WEIGHT_OZ, `${where}: maxWeightOz must be in (0, ${MAX_WEIGHT_OZ}]`);
  const base = { code, name: v.name, maxHundredthsOz: hundredths(v.maxWeightOz) };
  if (v.flat === true) return { ...base, shape: 'flat', prices: tiers(v.prices, where, price) };
  if (v.zoned === true) {
    const dimDivisor = v.dimDivisor ?? null;
    need(dimDivisor === null || (Number.isSafeInteger(dimDivisor) && (dimDivisor as number) > 0), `${where}: dimDivisor is a positive integer`);
    const prices = tiers(v.prices, where, (t, w) => steps(t, w, zonePrices));
    return { ...base, shape: 'zoned', dimDivisor: dimDivisor as number | null, prices };
  }
  need(v.zoned === false || v.zoned === undefined, `${where}: zoned is true or false`);
  return { ...base, shape: 'weight', prices: tiers(v.prices, where, (t, w) => steps(t, w, price)) };
}

function strings(v: unknown, where: string): string[] {
  need(Array.isArray(v) && v.every((s) => typeof s === 'string'), `${where} must be a list of strings`);
  return v as string[];
}

export function parseRateTable(raw: unknown): RateTable {
  need(isRecord(raw), 'a rate table is a JSON object');
  need(raw.format === RATE_TABLE_FORMAT, `format must be "${RATE_TABLE_FORMAT}"`);
  need(typeof raw.id === 'string' && RATE_TABLE_ID.test(raw.id), 'id must be 1-24 of A-Z, 0-9 and -');
  need(typeof raw.effective === 'string' && DATE.test(raw.effective) && !Number.isNaN(Date.parse(raw.effective)), 'effective must be a date, YYYY-MM-DD');
  need(typeof raw.source === 'string' && raw.source.length > 0, 'source must name where the prices come from');
  need(isRecord(raw.classes) && Object.keys(raw.classes).length > 0, 'classes must be a non-empty object');
  const classes = new Map(Object.entries(raw.classes).map(([code, c]) => [code, rateClass(code, c)] as const));
  return {
    id: raw.id,
    effective: raw.effective,
    source: raw.source,
    notes: raw.notes === undefined ? [] : strings(raw.notes, 'notes'),
    unconfirmed: raw.unconfirmed === undefined ? [] : strings(raw.unconfirmed, 'unconfirmed'),
    classes,
  };
}
