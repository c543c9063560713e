import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  csvRecord,
  GENESIS_HASH,
  ledgerComparable,
  parseCsvRecord,
  parseReport,
  reportBodyText,
  reportLedgerProblems,
  reportSignatureProblem,
  reportStatement,
  reportTotalsProblems,
  ReportFormatError,
  resettingTotals,
  signedReportText,
  type ReportBody,
} from '../../../src/ledger/index.js';
import { sha256Hex } from '../../../src/crypto/index.js';
import { createAuthority, issueCertificate, newCertSerialHex } from '../../../src/module/certificates.js';

// The report file format (docs/PROVIDER-REPORTS.md) and the checks `provider reports verify` runs.

const NOW = new Date('2026-03-15T06:00:00.000Z');
const DAY_MS = 86_400_000;

async function signerOf(subject: string, ca?: Awaited<ReturnType<typeof createAuthority>>) {
  const authority = ca ?? (await createAuthority('Unit Test', new Date(NOW.getTime() - DAY_MS)));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certificatePem = await issueCertificate(authority, {
    subject,
    publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
    serialHex: newCertSerialHex(),
    notBefore: new Date(NOW.getTime() - DAY_MS),
    notAfter: new Date(NOW.getTime() + 365 * DAY_MS),
  });
  return { authority, privateKey, certificatePem };
}

const lines = [
  ['2026-03-14T10:00:00.000Z', 'M-1:5', 'meter-a', 'VM-2026-0000ABCD', 'reset', '5000000', '0', '5000000', ''],
  ['2026-03-13T23:59:59.999Z', 'M-1:6', 'meter-b', '', 'return', '1000', '0', '4000', 'yes'],
];

function body(over: Partial<ReportBody> = {}): ReportBody {
  return {
    kind: 'resetting',
    day: '2026-03-14',
    issue: 1,
    previous: null,
    from: new Map([['M-1', { seq: 4n, hash: GENESIS_HASH }]]),
    to: new Map([['M-1', { seq: 6n, hash: 'ab'.repeat(32) }]]),
    lines,
    totals: resettingTotals(lines),
    ...over,
  };
}

async function signed(b: ReportBody, subject = 'CN=module M-1, O=Vaultmeter', serial = 'M-1') {
  const s = await signerOf(subject);
  const text = reportBodyText(b);
  const signedAt = NOW.toISOString();
  const statement = reportStatement({ kind: b.kind, day: b.day, issue: b.issue, sha256: sha256Hex(text), signer: serial, signedAt });
  const signatureHex = sign('sha256', statement, s.privateKey).toString('hex');
  return { text: signedReportText(text, { signer: serial, signedAt, signatureHex, certificatePem: s.certificatePem }), ca: s.authority.certPem, s };
}

describe('records', () => {
  it('quotes a field with a comma, a quote or a line break, and reads it back', () => {
    const fields = ['plain', 'a, b', 'say "hi"', 'two\nlines', '', '"'];
    const record = csvRecord(fields);
    expect(record).toBe('plain,"a, b","say ""hi""","two\nlines",,""""\n');
    expect(parseCsvRecord(record.slice(0, -1))).toEqual(fields);
    expect(() => parseCsvRecord('"open')).toThrow(ReportFormatError);
    expect(() => parseCsvRecord('"a"b')).toThrow(ReportFormatError);
  });
});

describe('a report file', () => {
  it('reads back exactly what was written; the signature holds under the CA', async () => {
    const { text, ca } = await signed(body());
    const r = parseReport(text);
    expect(r.lines).toEqual(lines);
    expect(r.from.get('M-1')).toEqual({ seq: 4n, hash: GENESIS_HASH });
    expect(r.totals).toEqual(resettingTotals(lines));
    expect(reportSignatureProblem(r, ca, NOW)).toBeNull();
    expect(reportTotalsProblems(r)).toEqual([]);
  });

  it('refuses a changed byte, a missing trailer, a record after the trailer, and the wrong columns', async () => {
    const { text } = await signed(body());
    expect(() => parseReport(text.replace('5000000,0', '5000001,0'))).toThrow(/does not match the digest/);
    const noTrailer = text.replace(/^T,.*\n/m, '');
    expect(() => parseReport(noTrailer)).toThrow(ReportFormatError);
    expect(() => parseReport(`${text}X,extra\n`)).toThrow(ReportFormatError);
    const wrong = reportBodyText(body()).replace('C,at,record', 'C,when,record');
    expect(() => parseReport(signedReportText(wrong, { signer: 'M-1', signedAt: 'x', signatureHex: '00', certificatePem: '' }))).toThrow(/columns/);
  });

  it('knows a signer that is not a module, a certificate from another CA, and a signature over other bytes', async () => {
    const meter = await signed(body(), 'CN=meter M-1, O=Vaultmeter');
    expect(reportSignatureProblem(parseReport(meter.text), meter.ca, NOW)).toMatch(/not module M-1/);
    const foreign = await signed(body());
    const other = await createAuthority('Other', new Date(NOW.getTime() - DAY_MS));
    expect(reportSignatureProblem(parseReport(foreign.text), other.certPem, NOW)).toMatch(/does not chain/);
    // A trailer changed and the digest recomputed: the signature covers the old digest.
    const p = parseReport(foreign.text);
    const changed = reportBodyText(body({ totals: resettingTotals(lines).map(([k, v]) => [k, k === 'resetMills' ? '1' : v] as [string, string]) }));
    const forged = parseReport(signedReportText(changed, p));
    expect(reportSignatureProblem(forged, foreign.ca, NOW)).toBe('the signature does not verify');
    expect(reportTotalsProblems(forged)).toEqual(['resetMills: the trailer says 1, the lines add up to 5000000']);
  });

  it("holds the lines dated in the day against the ledger's totals; a late line belongs to an earlier day", async () => {
    const r = parseReport((await signed(body())).text);
    expect(ledgerComparable(r)).toMatchObject({ lines: '1', resets: '1', resetMills: '5000000', returns: '0', returnMills: '0' });
    expect(reportLedgerProblems(r, { resets: '1', resetMills: '5000000', returns: '0' })).toEqual([]);
    expect(reportLedgerProblems(r, { resets: '2', resetMills: '5000000' })).toEqual(['resets: the report says 1, the ledger 2']);
  });
});
