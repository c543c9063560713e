import { Readable } from 'node:stream';

// CSV as RFC 4180 has it: CRLF line ends, a field quoted when it holds a comma, a quote, CR or LF,
// and a quote inside one doubled. A field that a spreadsheet would run as a formula (=, +, -, @ first)
// gets a leading apostrophe inside quotes (OWASP "CSV injection"); amounts are never negative, so
// no number of ours is changed by it.

export type CsvValue = string | number | bigint | boolean | null | undefined;

const FORMULA = /^[=+\-@\t\r]/;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  const safe = FORMULA.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A header line, then one line per row, as a stream (rows are read as the client takes them). */
export function csvStream<T>(columns: readonly (keyof T & string)[], rows: AsyncIterable<T>): Readable {
  async function* lines(): AsyncGenerator<string> {
    yield csvLine(columns);
    for await (const row of rows) yield csvLine(columns.map((c) => row[c] as CsvValue));
  }
  return Readable.from(lines());
}
