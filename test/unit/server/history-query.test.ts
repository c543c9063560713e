import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { HISTORY_PAGE, MAX_HISTORY_PAGE } from '../../../src/constants.js';
import { encodeCursor } from '../../../src/server/history-cursor.js';
import { filterOf, wantsCsv } from '../../../src/server/history-query.js';

const M = '00000000-0000-4000-8000-000000000000';
const refused = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ code: 'invalid_request' }));
const request = (accept?: string) => ({ headers: accept ? { accept } : {} }) as FastifyRequest;

describe('history query', () => {
  it('makes from and to whole UTC days, to inclusive', () => {
    const f = filterOf(M, { from: '2026-02-28', to: '2026-02-28' });
    expect(f.from?.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(f.before?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(filterOf(M, {})).toMatchObject({ from: null, before: null, kind: null, after: null, limit: HISTORY_PAGE });
  });

  it('refuses dates the calendar lacks, and from after to', () => {
    refused(() => filterOf(M, { from: '2026-02-29' }));
    refused(() => filterOf(M, { to: '2026-00-10' }));
    refused(() => filterOf(M, { from: '2026-03-02', to: '2026-03-01' }));
  });

  it('takes a limit from 1 to the maximum only', () => {
    expect(filterOf(M, { limit: String(MAX_HISTORY_PAGE) }).limit).toBe(MAX_HISTORY_PAGE);
    refused(() => filterOf(M, { limit: '0' }));
    refused(() => filterOf(M, { limit: String(MAX_HISTORY_PAGE + 1) }));
  });

  it('decodes the cursor', () => {
    const after = { at: '2026-03-01T00:00:00.000001Z', id: 'print:ab' };
    expect(filterOf(M, { cursor: encodeCursor(after) }).after).toEqual(after);
    refused(() => filterOf(M, { cursor: 'xyz' }));
  });

  it('exports CSV on format=csv or Accept: text/csv, never with a page', () => {
    expect(wantsCsv(request(), { format: 'csv' })).toBe(true);
    expect(wantsCsv(request('text/csv'), {})).toBe(true);
    expect(wantsCsv(request('text/csv'), { format: 'json' })).toBe(false);
    expect(wantsCsv(request('application/json'), {})).toBe(false);
    refused(() => wantsCsv(request(), { format: 'csv', limit: '5' }));
    refused(() => wantsCsv(request('text/csv'), { cursor: 'abc' }));
  });
});
