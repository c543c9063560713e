// A rate table: one price list (e.g. USPS Notice 123 of a date), as versioned data. Prices are
// integer mills; weights are in ounces. docs/RATES.md describes the file format.

export const RATE_TABLE_FORMAT = 'vaultmeter-rates/1';
export const TIERS = ['retail', 'commercial'] as const;
export type Tier = (typeof TIERS)[number];

/** One weight step: a piece up to `upToHundredthsOz` pays this (9 zone prices for a zoned class). */
export interface WeightStep<P> {
  readonly upToHundredthsOz: number;
  readonly price: P;
}

/** A zoned step's prices, zones 1..9 (index 0 is zone 1); null where the list has no price. */
export type ZonePrices = readonly (number | null)[];

interface ClassBase {
  readonly code: string;
  readonly name: string;
  readonly maxHundredthsOz: number;
}

export type RateClass =
  | (ClassBase & { readonly shape: 'flat'; readonly prices: Readonly<Record<Tier, number | null>> })
  | (ClassBase & { readonly shape: 'weight'; readonly prices: Readonly<Record<Tier, readonly WeightStep<number | null>[] | null>> })
  | (ClassBase & {
      readonly shape: 'zoned';
      /** Cubic inches per pound for dimensional weight, when the class has it. */
      readonly dimDivisor: number | null;
      readonly prices: Readonly<Record<Tier, readonly WeightStep<ZonePrices>[] | null>>;
    });

export interface RateTable {
  readonly id: string;
  /** First mailing date the table is in force, YYYY-MM-DD. */
  readonly effective: string;
  readonly source: string;
  readonly notes: readonly string[];
  readonly unconfirmed: readonly string[];
  readonly classes: ReadonlyMap<string, RateClass>;
}
