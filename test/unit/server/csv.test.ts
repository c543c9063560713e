import { describe, expect, it } from 'vitest';
import { csvField, csvLine, csvStream } from '../../../src/server/csv.js';

describe('CSV (RFC 4180)', () => {
  it('leaves plain fields alone and writes null as empty', () => {
    expect(csvLine(['abc', 12, 5000n, true, null, undefined, ''])).toBe('abc,12,5000,true,,,\r\n');
  });

  it('quotes commas, quotes, CR and LF, doubling inner quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('defuses a field a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe(`"'+1"`);
    expect(csvField('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvField('2026-01-01')).toBe('2026-01-01');
  });

  it('streams a header and one line per row', async () => {
    async function* rows() {
      yield { a: '1', b: 'x,y' };
      yield { a: '2', b: null };
    }
    let text = '';
    for await (const chunk of csvStream<{ a: string; b: string | null }>(['a', 'b'], rows())) text += String(chunk);
    expect(text).toBe('a,b\r\n1,"x,y"\r\n2,\r\n');
  });
});
