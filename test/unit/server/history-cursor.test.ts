import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/server/history-cursor.js';

const refused = (cursor: string) => expect(() => decodeCursor(cursor), cursor).toThrow(expect.objectContaining({ code: 'invalid_request' }));
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

describe('history cursor', () => {
  it('round-trips a position exactly, microseconds and id', () => {
    for (const p of [
      { at: '2026-03-01T12:34:56.123457Z', id: '0123456789abcdef0123456789abcdef' },
      { at: '1999-12-31T23:59:59.999999Z', id: 'fund:42' },
      { at: '2026-01-01T00:00:00.000000Z', id: 'withdraw:module-1:17' },
    ]) {
      const c = encodeCursor(p);
      expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(c)).toEqual(p);
    }
  });

  it('refuses what it did not make: bad base64, bad times, impossible dates, bad ids, extra parts', () => {
    refused('');
    refused('not base64!');
    refused('a'.repeat(201));
    refused(b64('2026-03-01T12:34:56.123457Z'));
    refused(b64('2026-03-01T12:34:56Z|abc'));
    refused(b64('2026-02-30T12:00:00.000000Z|abc'));
    refused(b64('2026-13-01T12:00:00.000000Z|abc'));
    refused(b64('2026-01-01T24:00:00.000000Z|abc'));
    refused(b64('2026-01-01T00:00:00.000000Z|'));
    refused(b64("2026-01-01T00:00:00.000000Z|a'b"));
    refused(b64('2026-01-01T00:00:00.000000Z|a|b'));
    refused(b64('2026-01-01T00:00:00.000000Z|a\u0000'));
  });
});
