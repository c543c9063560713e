import { fail } from '../errors.js';
import type { RateBundle } from './bundle.js';
import { priceOf, type Price, type RateRequest } from './price.js';
import { TIERS } from './table.js';

// The installed rate tables, newest effective date last. The one in force for a piece is the
// latest whose effective date is on or before its mailing date.

export interface Unpriced {
  readonly classCode: string;
  readonly tier: string;
  readonly code: string;
  readonly message: string;
}

export class RateBook {
  private readonly bundles: RateBundle[];

  constructor(bundles: readonly RateBundle[]) {
    this.bundles = [...bundles].sort((a, b) => a.table.effective.localeCompare(b.table.effective));
  }

  get size(): number {
    return this.bundles.length;
  }

  list(): readonly RateBundle[] {
    return this.bundles;
  }

  has(sha256: string): boolean {
    return this.bundles.some((b) => b.sha256 === sha256);
  }

  /** The bundle in force on a mailing date (YYYY-MM-DD), or null. */
  inForce(date: string): RateBundle | null {
    let found: RateBundle | null = null;
    for (const b of this.bundles) if (b.table.effective <= date) found = b;
    return found;
  }

  price(date: string, r: RateRequest): Price {
    const b =
      this.inForce(date) ??
      fail('no_rate_table', `no rate table is in force on ${date}${this.bundles.length ? `; the earliest starts ${this.bundles[0]!.table.effective}` : ''}`);
    return priceOf(b.table, b.zones, r);
  }

  /** Rate shopping: every class and tier the table in force prices for this piece, cheapest first. */
  quoteAll(date: string, piece: Omit<RateRequest, 'classCode' | 'tier'>): { prices: Price[]; unpriced: Unpriced[] } {
    const b = this.inForce(date) ?? fail('no_rate_table', `no rate table is in force on ${date}`);
    const prices: Price[] = [];
    const unpriced: Unpriced[] = [];
    for (const classCode of b.table.classes.keys()) {
      for (const tier of TIERS) {
        try {
          prices.push(priceOf(b.table, b.zones, { ...piece, classCode, tier }));
        } catch (e) {
          const code = (e as { code?: string }).code;
          // A piece-level fault (a bad ZIP, bad dimensions) is the caller's, whatever the class.
          if (code === 'unknown_zip' || code === 'invalid_dimensions' || code === 'invalid_request') throw e;
          unpriced.push({ classCode, tier, code: code ?? 'internal', message: (e as Error).message });
        }
      }
    }
    prices.sort((x, y) => (x.priceMills < y.priceMills ? -1 : x.priceMills > y.priceMills ? 1 : x.classCode.localeCompare(y.classCode)));
    return { prices, unpriced };
  }
}
