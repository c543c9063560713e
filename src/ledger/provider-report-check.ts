import { verify } from 'node:crypto';
import { certificateChainsTo, parseCertificate } from '../crypto/index.js';
import { reportStatement, type ParsedReport } from './provider-report-format.js';
import { totalsOf } from './provider-report-fold.js';

// Who may have signed a provider report, and whether its trailer adds up. The module runs these on
// the previous day's inventory before it continues from it; `provider reports verify` runs them on
// any report file.

/** Why the report's signature does not hold under the CA (null when it holds): a module's certificate, chaining to the CA, over the statement. */
export function reportSignatureProblem(report: ParsedReport, caCertPem: string, now: Date): string | null {
  const ca = parseCertificate(caCertPem);
  const cert = parseCertificate(report.certificatePem);
  if (!ca || !cert) return 'the signer certificate (X record) or the CA certificate does not parse';
  if (!certificateChainsTo(cert, ca, now)) return 'the signer certificate does not chain to the CA';
  // A meter's certificate chains to the same CA: only a module's may sign a report.
  if (!cert.subject.split('\n').includes(`CN=module ${report.signer}`)) return `the signer certificate is not module ${report.signer}'s`;
  const statement = reportStatement({ ...report, sha256: report.sha256 });
  if (!/^([0-9a-f]{2})+$/.test(report.signatureHex) || !verify('sha256', statement, cert.publicKey, Buffer.from(report.signatureHex, 'hex')))
    return 'the signature does not verify';
  return null;
}

/** The trailer fields that differ from what the detail lines add up to (empty when it adds up). */
export function reportTotalsProblems(report: ParsedReport): string[] {
  const expected = totalsOf(
    report.kind,
    report.lines.map((l) => [...l]),
  );
  const stated = new Map(report.totals);
  const problems = expected
    .filter(([k, v]) => stated.get(k) !== v)
    .map(([k, v]) => `${k}: the trailer says ${stated.get(k) ?? 'nothing'}, the lines add up to ${v}`);
  if (report.totals.length !== expected.length) problems.push(`the trailer has ${report.totals.length} totals, not ${expected.length}`);
  return problems;
}

/** The report's figures in the ledger's terms: the totals of its lines dated in the day (a late line belongs to an earlier day's ledger). */
export function ledgerComparable(report: ParsedReport): Record<string, string> {
  if (report.kind === 'inventory') return { licensedEver: String(report.lines.filter((l) => l[1] !== '').length) };
  const lateColumn = report.lines[0] ? report.lines[0].length - 1 : 0;
  return Object.fromEntries(
    totalsOf(
      report.kind,
      report.lines.filter((l) => l[lateColumn] !== 'yes').map((l) => [...l]),
    ),
  );
}

/** Where the report and the ledger's own totals of its day differ (empty when they agree on every figure the ledger gives). */
export function reportLedgerProblems(report: ParsedReport, ledger: Readonly<Record<string, string>>): string[] {
  const ours = ledgerComparable(report);
  return Object.entries(ledger)
    .filter(([k, v]) => ours[k] !== v)
    .map(([k, v]) => `${k}: the report says ${ours[k] ?? 'nothing'}, the ledger ${v}`);
}
