import { callApi } from './http.js';

// Rate shopping for integrators: GET /v1/rates and /v1/rates/tables. Portable to the browser.

export interface RateQuery {
  readonly from: string;
  readonly to: string;
  /** Ounces, to a tenth. */
  readonly weightOz: number;
  /** Length, width and height in inches, to a tenth. */
  readonly dimsIn?: readonly [number, number, number];
  /** Mailing date, YYYY-MM-DD (UTC); default today. */
  readonly date?: string;
  readonly classCode?: string;
  readonly tier?: 'retail' | 'commercial';
}

export interface QuotedPrice {
  readonly class: string;
  readonly name: string;
  readonly tier: 'retail' | 'commercial';
  readonly zone: string;
  readonly zoned: boolean;
  readonly billedWeightOz: string;
  readonly priceMills: string;
  readonly price: string;
}

export interface RateQuoteAnswer {
  readonly rateTable: { readonly id: string; readonly effective: string; readonly source: string };
  readonly zone: string;
  readonly prices: readonly QuotedPrice[];
  readonly unpriced: readonly { readonly class: string; readonly tier: string; readonly code: string; readonly message: string }[];
}

export interface RateTableInfo {
  readonly id: string;
  readonly effective: string;
  readonly source: string;
  readonly sha256: string;
  readonly classes: readonly { readonly code: string; readonly name: string }[];
  readonly unconfirmed: number;
  readonly notes: readonly string[];
  readonly zones: string;
}

const tenth = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

export function rateQueryString(q: RateQuery): string {
  const p = new URLSearchParams({ from: q.from, to: q.to, weightOz: tenth(q.weightOz) });
  if (q.dimsIn) {
    p.set('length', tenth(q.dimsIn[0]));
    p.set('width', tenth(q.dimsIn[1]));
    p.set('height', tenth(q.dimsIn[2]));
  }
  if (q.date) p.set('date', q.date);
  if (q.classCode) p.set('class', q.classCode);
  if (q.tier) p.set('tier', q.tier);
  return p.toString();
}

/** Every class's price for a piece, cheapest first, under the table in force on its mailing date. */
export function quoteRates(server: string, q: RateQuery): Promise<RateQuoteAnswer> {
  return callApi<RateQuoteAnswer>(server, 'GET', `/v1/rates?${rateQueryString(q)}`);
}

export async function rateTables(server: string): Promise<readonly RateTableInfo[]> {
  return (await callApi<{ tables: RateTableInfo[] }>(server, 'GET', '/v1/rates/tables')).tables;
}
