import { MAX_HISTORY_CURSOR_LENGTH } from '../constants.js';
import { fail } from '../errors.js';
import type { HistoryPosition } from '../store/index.js';

// A history cursor names the last row of a page: its time (microseconds, UTC) and its id, as
// base64url of "time|id". It is opaque to clients but not a secret: it only says where to go on,
// and the listing still applies the caller's own meter and filters.

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;
const ID = /^[A-Za-z0-9:._-]{1,120}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(p: HistoryPosition): string {
  return Buffer.from(`${p.at}|${p.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names; anything else is `invalid_request` (never a database error). */
export function decodeCursor(cursor: string): HistoryPosition {
  const bad = () => fail('invalid_request', 'cursor is not one this server gave (pass `next` from the previous page as it is)');
  if (cursor.length > MAX_HISTORY_CURSOR_LENGTH || !BASE64URL.test(cursor)) bad();
  const [at, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || at === undefined || id === undefined || !ID.test(id) || !isRealTime(at)) bad();
  return { at: at!, id: id! };
}

/** A time PostgreSQL will parse: the pattern, and a calendar date and clock time that exist. */
function isRealTime(at: string): boolean {
  if (!TIME.test(at)) return false;
  const ms = Date.parse(`${at.slice(0, 19)}Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === at.slice(0, 19);
}
