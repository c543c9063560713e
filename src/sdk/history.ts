import { callApi, fetchBody } from './http.js';

// The server-side history (GET /v1/items and GET /v1/meters/{meterId}/transactions): pages, every
// row across pages, and the CSV export. Plain functions over HTTP, for any caller with credentials
// (a customer's bearer session or an officer's HTTP Basic); MeterClient wraps them for its meter.

export interface ListingQuery {
  /** First and last day (YYYY-MM-DD, UTC), inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly kind?: string;
  /** Rows per page (the server's default when left out). */
  readonly limit?: number;
  /** `next` of the previous page. */
  readonly cursor?: string;
}

export interface ItemQuery extends ListingQuery {
  readonly status?: 'printed' | 'scanned' | 'refunded' | 'redeemed';
  /** Officers only: the customer whose items to list. */
  readonly user?: string;
  readonly meterId?: string;
}

export interface HistoryItem {
  readonly itemId: string;
  readonly kind: string;
  readonly amountMills: string;
  readonly itemSerial: string;
  readonly issuedAt: string;
  readonly date: string;
  readonly status: 'printed' | 'scanned' | 'refunded' | 'redeemed';
  readonly refundedAt: string | null;
  readonly rateCategory: string | null;
  readonly rateTable: string | null;
  readonly zone: number | null;
  readonly destinationZip: string | null;
}

export interface Transaction {
  readonly eventId: string;
  readonly kind: 'fund' | 'print' | 'refund' | 'withdraw' | 'audit' | 'adjust' | 'close';
  readonly at: string;
  readonly amountMills: string;
  readonly arAfterMills: string;
  readonly drAfterMills: string;
  readonly itemId: string | null;
}

export interface ItemsPage {
  readonly meterId: string;
  readonly items: HistoryItem[];
  readonly next: string | null;
}

export interface TransactionsPage {
  readonly meterId: string;
  readonly transactions: Transaction[];
  readonly next: string | null;
}

export function listingQueryString(q: ItemQuery, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams(extra);
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const itemsPath = (q: ItemQuery = {}, extra: Record<string, string> = {}) => `/v1/items${listingQueryString(q, extra)}`;
export const transactionsPath = (meterId: string, q: ListingQuery = {}, extra: Record<string, string> = {}) =>
  `/v1/meters/${encodeURIComponent(meterId)}/transactions${listingQueryString(q, extra)}`;

export function itemsPage(server: string, authorization: string, q: ItemQuery = {}): Promise<ItemsPage> {
  return callApi<ItemsPage>(server, 'GET', itemsPath(q), undefined, { headers: { authorization } });
}

export function transactionsPage(server: string, authorization: string, meterId: string, q: ListingQuery = {}): Promise<TransactionsPage> {
  return callApi<TransactionsPage>(server, 'GET', transactionsPath(meterId, q), undefined, { headers: { authorization } });
}

/** Every row from the query's cursor on, fetching the next page only as the caller reads. */
export async function* everyRow<T>(
  page: (cursor: string | undefined) => Promise<{ rows: readonly T[]; next: string | null }>,
  cursor?: string,
): AsyncGenerator<T> {
  let at = cursor;
  do {
    const p = await page(at);
    yield* p.rows;
    at = p.next ?? undefined;
  } while (at !== undefined);
}

/** Every matching row as the server's CSV (header row first). A problem answer is thrown as ApiError. */
export async function fetchCsv(server: string, authorization: string, path: string): Promise<string> {
  return (await fetchBody(server, authorization, path, 'text/csv')).toString('utf8');
}
