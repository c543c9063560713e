import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { homeDir, paths, stagingRunInstallation } from '../../runtime/index.js';
import { reportCsv, reportSvg, runReport } from '../../services/index.js';
import { REPORT_NAMES, type ReportName } from '../../store/index.js';
import { emit } from '../output.js';
import { progressLine } from '../progress.js';
import { action } from '../run.js';

// `vaultmeter staging run` and `vaultmeter reports …` (issue 18 item 3, docs/DSS.md): the nightly
// delta into the stripped staging copies and the load of the decision-support warehouse; then the
// finance and marketing reports, each as CSV and an SVG chart, from the warehouse opened read-only.

const position = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([l, s]) => `${l}#${s}`)
    .join(', ') || '(none)';

export function stagingCommand(program: Command): void {
  const staging = program.command('staging').description("the staging subsystem: stripped copies of the day's changes, and the decision-support warehouse");
  staging
    .command('run')
    .description(
      'copy the changes since the last run (by log position) into the staging schema, secrets stripped, then rebuild ' +
        '<home>/dss/warehouse.duckdb from it (the database must be running; one run at a time)',
    )
    .option('--json', 'print the figures as JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        const progress = progressLine(o.json !== true && process.stderr.isTTY === true);
        const r = await stagingRunInstallation(homeDir(), progress.update);
        progress.done();
        const d = r.delta;
        emit(o.json === true, { delta: d, load: r.load, warehouse: r.warehouseFile }, () =>
          [
            `delta: log ${position(d.from)} -> ${position(d.to)}${d.fullCopy ? ' (full copy: no usable watermark)' : ''}`,
            `  meters touched: ${d.fullCopy ? 'all' : d.metersTouched}, items read: ${d.itemsRead}, rows changed: ${d.rowsChanged} in ${d.ms} ms`,
            ...Object.entries(d.changed).map(([t, n]) => `    ${t.padEnd(24)} ${n}`),
            `load: ${Object.values(r.load.rows).reduce((a, b) => a + b, 0)} rows into ${r.warehouseFile} in ${r.load.ms} ms`,
            ...Object.entries(r.load.rows).map(([t, n]) => `    ${t.padEnd(24)} ${n}`),
          ].join('\n'),
        );
      }),
    );
}

const DESCRIPTIONS: Readonly<Record<ReportName, string>> = {
  postage: 'postage printed per day, mail class and zone (pieces, mills, refunded)',
  funding: 'funding and refunds per day (officer and settled ACH/card fundings, returns owed, adjustments, item and account refunds)',
  duplicates: 'items scanned more than once (a possible reuse)',
  'active-meters': 'meters that printed, per day',
  revenue: 'per pricing plan: meters, what they printed, what was invoiced',
};

export function reportsCommand(program: Command): void {
  const reports = program
    .command('reports')
    .description('decision-support reports from the warehouse (read-only; build it with `vaultmeter staging run`): each as <name>.csv and <name>.svg');
  for (const name of REPORT_NAMES) {
    reports
      .command(name)
      .description(DESCRIPTIONS[name])
      .option('--from <day>', 'first day, YYYY-MM-DD (UTC)')
      .option('--to <day>', 'last day, YYYY-MM-DD (UTC, inclusive)')
      .option('--out <dir>', 'where to write the CSV and the chart', '.')
      .option('--json', 'print the file names and row count as JSON')
      .action(
        action(async (o: { from?: string; to?: string; out: string; json?: boolean }) => {
          const r = await runReport(paths(homeDir()).warehouse, name, o.from, o.to);
          const dir = resolve(o.out);
          await mkdir(dir, { recursive: true });
          const csv = join(dir, `${name}.csv`);
          const svg = join(dir, `${name}.svg`);
          await writeFile(csv, reportCsv(r));
          await writeFile(svg, reportSvg(r));
          emit(o.json === true, { report: name, rows: r.rows.length, csv, svg }, () => `${name}: ${r.rows.length} rows\n  ${csv}\n  ${svg}`);
        }),
      );
  }
}
