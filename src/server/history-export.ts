import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { MAX_HISTORY_EXPORT_ROWS } from '../constants.js';
import { fail } from '../errors.js';
import { csvStream } from './csv.js';
import { answers } from './schemas.js';

// A history listing's CSV export: every matching row, streamed page by page. The rows are counted
// first (no further than the bound), because once the header is sent a problem can no longer be.

/** The 200 answer: the JSON page, or with format=csv (or Accept: text/csv) every row as CSV. */
export function listingAnswers<T extends TSchema>(page: T) {
  const csv = { schema: Type.String({ description: 'RFC 4180 CSV with a header row: the columns are the members of a row' }) };
  return { ...answers(page), 200: { description: 'A page of rows, or every row as CSV', content: { 'application/json': { schema: page }, 'text/csv': csv } } };
}

export interface Export<T> {
  readonly filename: string;
  readonly columns: readonly (keyof T & string)[];
  /** How many rows match, counting no further than `max`. */
  readonly count: (max: number) => Promise<number>;
  readonly rows: () => AsyncIterable<T>;
}

export async function sendExport<T>(reply: FastifyReply, e: Export<T>): Promise<FastifyReply> {
  if ((await e.count(MAX_HISTORY_EXPORT_ROWS + 1)) > MAX_HISTORY_EXPORT_ROWS)
    fail('invalid_request', `more than ${MAX_HISTORY_EXPORT_ROWS} rows match: narrow the export with from and to`);
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${e.filename}"`)
    .header('cache-control', 'no-store')
    .send(csvStream(e.columns, e.rows()));
}
