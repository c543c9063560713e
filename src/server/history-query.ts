import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { HISTORY_PAGE, MAX_HISTORY_CURSOR_LENGTH, MAX_HISTORY_PAGE } from '../constants.js';
import { fail } from '../errors.js';
import type { HistoryFilter } from '../store/index.js';
import { decodeCursor } from './history-cursor.js';
import { MeterId, Username } from './schemas.js';

// The query both history listings take (GET /v1/items, GET /v1/meters/{meterId}/transactions):
// strict schemas (an unknown parameter is refused), then the checks a pattern cannot make.

const DAY_MS = 86_400_000;
const Day = (what: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${what} (YYYY-MM-DD, UTC, inclusive)` });
const Literals = <T extends string>(values: readonly T[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

const listing = {
  from: Type.Optional(Day('the first day')),
  to: Type.Optional(Day('the last day')),
  limit: Type.Optional(Type.String({ pattern: '^\\d{1,6}$', description: `rows per page, 1 to ${MAX_HISTORY_PAGE} (default ${HISTORY_PAGE}); not with csv` })),
  cursor: Type.Optional(Type.String({ maxLength: MAX_HISTORY_CURSOR_LENGTH, description: '`next` of the previous page; not with csv' })),
  format: Type.Optional(Literals(['json', 'csv'], 'csv: every matching row as text/csv (also chosen by Accept: text/csv)')),
};

export const ITEM_KIND_NAMES = ['postage', 'ticket', 'coupon', 'voucher', 'gift'] as const;
export const ITEM_STATUS_NAMES = ['printed', 'scanned', 'refunded', 'redeemed'] as const;
export const TRANSACTION_KINDS = ['fund', 'print', 'refund', 'withdraw', 'audit', 'adjust', 'close'] as const;

export const ItemsQuery = Type.Object(
  {
    ...listing,
    kind: Type.Optional(Literals(ITEM_KIND_NAMES, 'only items of this kind')),
    status: Type.Optional(Literals(ITEM_STATUS_NAMES, 'only items whose status (as GET /v1/items/{itemId} reports it) is this')),
    user: Type.Optional(Username),
    meterId: Type.Optional(MeterId),
  },
  { additionalProperties: false },
);

export const TransactionsQuery = Type.Object(
  { ...listing, kind: Type.Optional(Literals(TRANSACTION_KINDS, 'only events of this kind')) },
  { additionalProperties: false },
);

type Listing = Static<typeof TransactionsQuery>;

/** The start of a day, checked to be one the calendar has (a pattern lets 2024-02-30 through). */
function dayStart(day: string, name: string): Date {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day) fail('invalid_request', `${name} is not a date (YYYY-MM-DD)`);
  return d;
}

function limitOf(limit: string | undefined): number {
  if (limit === undefined) return HISTORY_PAGE;
  const n = Number(limit);
  if (n < 1 || n > MAX_HISTORY_PAGE) fail('invalid_request', `limit must be from 1 to ${MAX_HISTORY_PAGE}`);
  return n;
}

/** The filter a listing's query names, for a meter already authorized. */
export function filterOf(meterId: string, q: Listing): HistoryFilter {
  const from = q.from === undefined ? null : dayStart(q.from, 'from');
  const to = q.to === undefined ? null : dayStart(q.to, 'to');
  if (from && to && from > to) fail('invalid_request', 'from is after to');
  return {
    meterId,
    from,
    before: to && new Date(to.getTime() + DAY_MS),
    kind: q.kind ?? null,
    after: q.cursor === undefined ? null : decodeCursor(q.cursor),
    limit: limitOf(q.limit),
  };
}

/** CSV when asked by `format=csv`, or by Accept: text/csv without a `format`. An export is every row, so it takes no page. */
export function wantsCsv(request: FastifyRequest, q: Listing): boolean {
  const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/i.test(request.headers.accept ?? ''));
  if (csv && (q.limit !== undefined || q.cursor !== undefined)) fail('invalid_request', 'a CSV export is every matching row: leave out limit and cursor');
  return csv;
}
