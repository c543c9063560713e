import { existsSync } from 'node:fs';
import { MAX_CHART_POINTS, MAX_REPORT_ROWS } from '../constants.js';
import { fail } from '../errors.js';
import { openWarehouse, REPORT_SQL, type ReportName } from '../store/index.js';

// The decision-support reports (docs/DSS.md): each is one query on the warehouse, opened read-only,
// written as CSV and as an SVG chart. Money stays bigint mills from DuckDB to the CSV.

export interface Report {
  readonly name: ReportName;
  readonly from: string;
  readonly to: string;
  readonly columns: readonly string[];
  /** Values as DuckDB gives them: string, number, bigint (BIGINT and HUGEINT), boolean, or null. */
  readonly rows: readonly (readonly unknown[])[];
}

/** How each report is drawn: one bar per label (the values of rows with the same label summed), or a line. */
const CHARTS: Readonly<Record<ReportName, { title: string; label: string; value: string; kind: 'bar' | 'line' }>> = {
  postage: { title: 'Postage printed per day (mills)', label: 'day', value: 'postage_mills', kind: 'bar' },
  funding: { title: 'Funding per day (mills)', label: 'day', value: 'funded_mills', kind: 'bar' },
  duplicates: { title: 'Scans of items scanned more than once', label: 'item_id', value: 'scans', kind: 'bar' },
  'active-meters': { title: 'Meters that printed, per day', label: 'day', value: 'active_meters', kind: 'line' },
  revenue: { title: 'Invoiced per pricing plan (mills)', label: 'plan', value: 'invoiced_mills', kind: 'bar' },
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Run a report on the warehouse file, read-only. from/to: first and last day (UTC, inclusive). */
export async function runReport(file: string, name: ReportName, from = '0001-01-01', to = '9999-12-31'): Promise<Report> {
  if (!DAY.test(from) || !DAY.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)))
    fail('invalid_request', '--from and --to are days, YYYY-MM-DD');
  if (from > to) fail('invalid_request', '--from is after --to');
  if (!existsSync(file)) fail('warehouse_missing', `no warehouse at ${file}: run \`vaultmeter staging run\` first`);
  const w = await openWarehouse(file);
  try {
    const r = await w.query(REPORT_SQL[name], [from, to]);
    if (r.rows.length > MAX_REPORT_ROWS) fail('invalid_request', `the report has more than ${MAX_REPORT_ROWS} rows: narrow --from/--to`);
    return { name, from, to, columns: r.columns, rows: r.rows };
  } finally {
    w.close();
  }
}

const cell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV with a header row; bigint written exactly. */
export function reportCsv(r: Report): string {
  return [r.columns.map(cell).join(','), ...r.rows.map((row) => row.map(cell).join(','))].join('\r\n') + '\r\n';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The report's chart as a standalone SVG (no script, no external reference). */
export function reportSvg(r: Report): string {
  const c = CHARTS[r.name];
  const li = r.columns.indexOf(c.label);
  const vi = r.columns.indexOf(c.value);
  const sums = new Map<string, bigint>();
  for (const row of r.rows) {
    const label = String(row[li] ?? '');
    sums.set(label, (sums.get(label) ?? 0n) + BigInt((row[vi] as bigint | number | null) ?? 0));
  }
  let points = [...sums.entries()];
  if (c.kind === 'bar' && r.name === 'duplicates') points = points.slice(0, MAX_CHART_POINTS);
  else points = points.slice(-MAX_CHART_POINTS);
  const W = 800;
  const H = 400;
  const left = 90;
  const bottom = 60;
  const top = 40;
  const plotW = W - left - 20;
  const plotH = H - top - bottom;
  const max = points.reduce((m, [, v]) => (v > m ? v : m), 0n);
  const min = points.reduce((m, [, v]) => (v < m ? v : m), 0n);
  const span = max - min === 0n ? 1n : max - min;
  // Positions only: a ratio of two bigints to a pixel, never money arithmetic.
  const y = (v: bigint) => top + plotH - Number(((v - min) * 100_000n) / span) * (plotH / 100_000);
  const step = points.length ? plotW / points.length : plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(c.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(c.title)}${r.from !== '0001-01-01' || r.to !== '9999-12-31' ? esc(` ${r.from} to ${r.to}`) : ''}</text>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${y(0n)}" x2="${left + plotW}" y2="${y(0n)}" stroke="#333"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${max}</text>`,
    `<text x="${left - 6}" y="${top + plotH + 4}" text-anchor="end">${min}</text>`,
  ];
  if (points.length === 0) parts.push(`<text x="${left + plotW / 2}" y="${top + plotH / 2}" text-anchor="middle">no data</text>`);
  const labelEvery = Math.max(1, Math.ceil(points.length / 12));
  points.forEach(([label, v], i) => {
    const x = left + i * step;
    if (c.kind === 'bar') {
      const y0 = y(0n);
      const yv = y(v);
      parts.push(
        `<rect x="${(x + step * 0.1).toFixed(1)}" y="${Math.min(y0, yv).toFixed(1)}" width="${(step * 0.8).toFixed(1)}" height="${Math.abs(y0 - yv).toFixed(1)}" fill="#3b6ea5"><title>${esc(label)}: ${v}</title></rect>`,
      );
    }
    if (i % labelEvery === 0)
      parts.push(
        `<text x="${(x + step / 2).toFixed(1)}" y="${top + plotH + 14}" text-anchor="end" transform="rotate(-40 ${(x + step / 2).toFixed(1)} ${top + plotH + 14})">${esc(label.slice(0, 16))}</text>`,
      );
  });
  if (c.kind === 'line' && points.length > 0) {
    const d = points.map(([, v], i) => `${i === 0 ? 'M' : 'L'}${(left + i * step + step / 2).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="#3b6ea5" stroke-width="2"/>`);
    points.forEach(([label, v], i) =>
      parts.push(
        `<circle cx="${(left + i * step + step / 2).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="#3b6ea5"><title>${esc(label)}: ${v}</title></circle>`,
      ),
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
