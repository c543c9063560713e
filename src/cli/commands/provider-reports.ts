import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  parseReport,
  REPORT_KINDS,
  reportLedgerProblems,
  reportSignatureProblem,
  reportTotalsProblems,
  ReportFormatError,
  type ParsedReport,
} from '../../ledger/index.js';
import { callApi, ProfileError } from '../../sdk/index.js';
import type { ReportView } from '../../services/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get, post } from './admin-options.js';

// `vaultmeter provider reports`: the reports filed with the postal authority (issue 18 item 2). A
// module makes and signs them from the log; `verify` checks a file's signature against the CA, its
// trailer against its lines, and its totals against the ledger's own tables.

type ReportRun = {
  filed: { day: string; issue: number; signer: string; reports: { kind: string; lines: number; totals: Record<string, string> }[] }[];
  more: boolean;
};

type ReportAnswer = {
  report: ReportView;
  text: string;
  ledgerTotals: Record<string, string>;
};

const describe = (r: ReportView) =>
  `${r.day}  ${r.kind.padEnd(16)} issue ${r.issue}  ${String(r.lines).padStart(7)} lines  module ${r.signer}  ${r.objectKey}` +
  (r.reason ? `  re-issued by ${r.officer}: ${r.reason}` : '');

const describeRun = (r: ReportRun) =>
  (r.filed.length
    ? r.filed.map((d) => `Filed ${d.day} (issue ${d.issue}, module ${d.signer}): ${d.reports.map((x) => `${x.kind} ${x.lines} lines`).join(', ')}`).join('\n')
    : 'Nothing to file: every day that is over is filed.') + (r.more ? '\nMore days wait: run again.' : '');

function checkKind(kind: string): void {
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw new ProfileError('invalid_request', `the kind is one of ${REPORT_KINDS.join(', ')}`);
}

export function providerCommand(program: Command): void {
  const provider = program.command('provider').description('the provider subsystem: licenses and reports to the postal authority');
  const reports = provider.command('reports').description('daily reports to the postal authority, made and signed by a module from the log');
  withAdmin(reports.command('run').description('file every day that is over and not filed yet (what the daily job does)')).action(
    action(async (o: AdminOpts) => {
      const r = await post<ReportRun>(o, '/v1/admin/provider/reports/run', {});
      emit(o.json === true, r, () => describeRun(r));
    }),
  );
  withAdmin(reports.command('list', { isDefault: true }).description('filed reports, newest day first'))
    .option('--day <YYYY-MM-DD>', 'one day only')
    .action(
      action(async (o: AdminOpts & { day?: string }) => {
        const r = await get<{ reports: ReportView[] }>(o, `/v1/admin/provider/reports${o.day ? `?day=${encodeURIComponent(o.day)}` : ''}`);
        emit(o.json === true, r, () => (r.reports.length ? r.reports.map(describe).join('\n') : '(no reports filed)'));
      }),
    );
  withAdmin(reports.command('show').description("print a filed report's file"))
    .argument('<day>', 'YYYY-MM-DD')
    .argument('<kind>', REPORT_KINDS.join(', '))
    .option('--issue <n>', 'an earlier issue (default: the newest)')
    .action(
      action(async (day: string, kind: string, o: AdminOpts & { issue?: string }) => {
        checkKind(kind);
        const r = await fetchReport(o, day, kind, o.issue);
        if (o.json === true) emit(true, r, () => '');
        else process.stdout.write(r.text);
      }),
    );
  withAdmin(reports.command('reissue').description('re-issue a filed day as its next issue (a security officer), e.g. when the authority lost it'))
    .argument('<day>', 'YYYY-MM-DD')
    .requiredOption('--reason <text>', 'why (recorded; 1-200 characters)')
    .action(
      action(async (day: string, o: AdminOpts & { reason: string }) => {
        const r = await post<ReportRun>(o, `/v1/admin/provider/reports/${encodeURIComponent(day)}/reissue`, { reason: o.reason });
        emit(o.json === true, r, () => describeRun(r).replace(/^Filed/, 'Re-issued'));
      }),
    );
  withAdmin(
    reports
      .command('verify')
      .description("check a report: the module's signature under the CA, the trailer against the lines, and the totals against the ledger"),
  )
    .argument('[day]', 'YYYY-MM-DD (with <kind>: fetch the filed report)')
    .argument('[kind]', REPORT_KINDS.join(', '))
    .option('--file <path>', 'a report file instead (its day and kind are read from it)')
    .option('--issue <n>', 'an earlier issue (default: the newest)')
    .option('--ca <file>', 'the installation CA certificate (PEM) you trust, instead of fetching it')
    .option('--offline', 'check the signature and the trailer only (with --file and --ca); contact nobody')
    .action(
      action(async (day: string | undefined, kind: string | undefined, o: AdminOpts & { file?: string; issue?: string; ca?: string; offline?: boolean }) => {
        const checks = await verifyReport(day, kind, o);
        const failed = checks.filter((c) => c.problems.length > 0);
        const human = () => checks.map((c) => `${c.problems.length ? 'FAIL' : 'ok  '}  ${c.check}${c.problems.map((p) => `\n      ${p}`).join('')}`).join('\n');
        if (failed.length) {
          if (o.json !== true) process.stdout.write(`${human()}\n`);
          throw new ProfileError('report_invalid', `the report fails: ${failed.map((c) => c.check).join('; ')}`, { checks });
        }
        emit(o.json === true, { ok: true, checks }, human);
      }),
    );
}

async function fetchReport(o: AdminOpts, day: string, kind: string, issue: string | undefined): Promise<ReportAnswer> {
  return get<ReportAnswer>(
    o,
    `/v1/admin/provider/reports/${encodeURIComponent(day)}/${encodeURIComponent(kind)}${issue ? `?issue=${encodeURIComponent(issue)}` : ''}`,
  );
}

interface Check {
  check: string;
  problems: string[];
}

async function verifyReport(
  day: string | undefined,
  kind: string | undefined,
  o: AdminOpts & { file?: string; issue?: string; ca?: string; offline?: boolean },
): Promise<Check[]> {
  if (o.offline && (!o.file || !o.ca)) throw new ProfileError('invalid_request', '--offline needs --file and --ca');
  if (!o.file && (!day || !kind)) throw new ProfileError('invalid_request', 'give <day> <kind>, or --file');
  if (kind) checkKind(kind);
  const fetched = o.file ? null : await fetchReport(o, day!, kind!, o.issue);
  const text = o.file ? await readFile(o.file, 'utf8') : fetched!.text;
  let report: ParsedReport;
  try {
    report = parseReport(text);
  } catch (e) {
    if (e instanceof ReportFormatError) return [{ check: 'format and digest', problems: [e.message] }];
    throw e;
  }
  const caPem = o.ca ? await readFile(o.ca, 'utf8') : String((await callApi(o.server!, 'GET', '/v1/ca')).certificatePem);
  const signature = reportSignatureProblem(report, caPem, new Date());
  const checks: Check[] = [
    { check: `format and digest (${report.kind} of ${report.day}, issue ${report.issue}, ${report.lines.length} lines)`, problems: [] },
    { check: `signature by module ${report.signer} under the CA`, problems: signature ? [signature] : [] },
    { check: 'trailer against the lines', problems: reportTotalsProblems(report) },
  ];
  if (o.offline) return checks;
  const ledger = fetched?.ledgerTotals ?? (await fetchReport(o, report.day, report.kind, String(report.issue))).ledgerTotals;
  checks.push({ check: 'totals against the ledger', problems: reportLedgerProblems(report, ledger) });
  return checks;
}
