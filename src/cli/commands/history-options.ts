import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { MAX_HISTORY_EXPORT_ROWS, MAX_HISTORY_PAGE } from '../../constants.js';
import { everyRow, ProfileError, type ItemQuery } from '../../sdk/index.js';
import { emit } from '../output.js';

// What `client history`, `client transactions` and `admin history` share: the filter and page
// options, and the three ways to answer (a page, every page with --all, the server's CSV).

export interface ListingOpts {
  from?: string;
  to?: string;
  kind?: string;
  status?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
  csv?: boolean;
  out?: string;
  json?: boolean;
}

export function withListing(cmd: Command, kinds: readonly string[], statuses?: readonly string[]): Command {
  cmd
    .option('--from <day>', 'first day (YYYY-MM-DD, UTC), inclusive')
    .option('--to <day>', 'last day (YYYY-MM-DD, UTC), inclusive')
    .option('--kind <kind>', `only this kind: ${kinds.join(', ')}`);
  if (statuses) cmd.option('--status <status>', `only this status: ${statuses.join(', ')}`);
  return cmd
    .option('--limit <n>', `rows per page (1 to ${MAX_HISTORY_PAGE}; the server's default 50)`)
    .option('--cursor <cursor>', 'go on from this `next` of an earlier page')
    .option('--all', `every page (at most ${MAX_HISTORY_EXPORT_ROWS} rows)`)
    .option('--csv', "the server's CSV export of every matching row (to --out, else standard output)")
    .option('--out <file>', 'with --csv: write the CSV here');
}

/** The query the options name; the server checks the rest (dates, kinds, statuses). */
export function listingQuery(o: ListingOpts): ItemQuery {
  if (o.limit !== undefined && !(/^\d+$/.test(o.limit) && Number(o.limit) >= 1 && Number(o.limit) <= MAX_HISTORY_PAGE))
    throw new ProfileError('invalid_request', `--limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}`);
  if (o.csv && (o.limit !== undefined || o.cursor !== undefined || o.all))
    throw new ProfileError('invalid_request', '--csv exports every row: leave out --limit, --cursor and --all');
  if (o.out !== undefined && !o.csv) throw new ProfileError('invalid_request', '--out goes with --csv');
  const q = { from: o.from, to: o.to, kind: o.kind, status: o.status as ItemQuery['status'], limit: o.limit === undefined ? undefined : Number(o.limit) };
  return Object.fromEntries(Object.entries({ ...q, cursor: o.cursor }).filter(([, v]) => v !== undefined)) as ItemQuery;
}

export interface Listing<T> {
  readonly name: string;
  readonly page: (cursor: string | undefined) => Promise<{ rows: readonly T[]; next: string | null }>;
  readonly csv: () => Promise<string>;
  readonly columns: readonly (keyof T & string)[];
}

export async function runListing<T>(o: ListingOpts, l: Listing<T>): Promise<void> {
  if (o.csv) return writeCsv(o, await l.csv());
  if (!o.all) {
    const p = await l.page(o.cursor);
    return emit(o.json === true, { [l.name]: p.rows, next: p.next }, () => humanPage(l, p.rows, p.next));
  }
  const rows: T[] = [];
  for await (const r of everyRow(l.page, o.cursor)) {
    if (rows.length >= MAX_HISTORY_EXPORT_ROWS)
      throw new ProfileError('invalid_request', `more than ${MAX_HISTORY_EXPORT_ROWS} rows: narrow with --from and --to, or use --csv`);
    rows.push(r);
  }
  emit(o.json === true, { [l.name]: rows, next: null }, () => humanPage(l, rows, null));
}

async function writeCsv(o: ListingOpts, csv: string): Promise<void> {
  if (o.out === undefined) {
    process.stdout.write(csv);
    return;
  }
  await writeFile(o.out, csv);
  const rows = Math.max(csv.split('\r\n').length - 2, 0);
  emit(o.json === true, { file: o.out, rows }, () => `Wrote ${rows} rows -> ${o.out}`);
}

function humanPage<T>(l: Listing<T>, rows: readonly T[], next: string | null): string {
  if (rows.length === 0) return `no ${l.name}`;
  const cells = rows.map((r) => l.columns.map((c) => String(r[c] ?? '-')));
  const table = [l.columns as readonly string[], ...cells];
  const widths = l.columns.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, next ? `(more: --cursor ${next})` : `(${rows.length} ${l.name})`].join('\n');
}
