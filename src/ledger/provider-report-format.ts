import { sha256Hex } from '../crypto/index.js';
import { canonicalBytes } from '../protocol/index.js';

// The files the provider sends the postal authority (issue 18 item 2), modeled on USPS CMRS/CMLS
// transmissions: one file per report kind and day, of comma-separated records, each record led by
// its type — H header, P log position, C column names, D detail, T trailer (totals), S signature,
// X the signer's certificate. The signature covers every byte before the S record; docs/PROVIDER-REPORTS.md
// documents each field. Pure: no I/O, no clock.

export const PROVIDER_REPORT_FORMAT = 'vaultmeter-provider-report/1';
const STATEMENT_DOMAIN = 'vaultmeter/provider-report/v1';

export const REPORT_KINDS = ['resetting', 'movement', 'license-activity', 'inventory'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The detail columns of each kind, in order. */
export const REPORT_COLUMNS: Readonly<Record<ReportKind, readonly string[]>> = {
  resetting: ['at', 'record', 'meterId', 'licenseNumber', 'type', 'amountMills', 'ascendingMills', 'descendingMills', 'late'],
  movement: ['at', 'record', 'meterId', 'licenseNumber', 'fromZip', 'toZip', 'late'],
  'license-activity': ['at', 'record', 'licenseNumber', 'meterId', 'action', 'licensingZip', 'taxIdLast4', 'officer', 'reason', 'late'],
  inventory: [
    'meterId',
    'licenseNumber',
    'licenseStatus',
    'licensingZip',
    'meterStatus',
    'packageVersion',
    'ascendingMills',
    'descendingMills',
    'lastRecordAt',
  ],
};

/** A log's position: the last record a report covers (or, as `from`, the one before its first). */
export interface ReportPosition {
  readonly seq: bigint;
  readonly hash: string;
}

/** What a report says, before it is signed. */
export interface ReportBody {
  readonly kind: ReportKind;
  /** YYYY-MM-DD, UTC */
  readonly day: string;
  /** 1 for the first issue of a day; an officer's re-issue counts up. */
  readonly issue: number;
  /** SHA-256 (hex) of the previous day's inventory body this one continues, or null for the first report. */
  readonly previous: string | null;
  readonly from: ReadonlyMap<string, ReportPosition>;
  readonly to: ReadonlyMap<string, ReportPosition>;
  readonly lines: readonly (readonly string[])[];
  /** Named totals, in a fixed order per kind (decimal integers). */
  readonly totals: ReadonlyArray<readonly [string, string]>;
}

export interface ReportSignature {
  readonly signer: string;
  readonly signedAt: string;
  readonly signatureHex: string;
  readonly certificatePem: string;
}

export interface ParsedReport extends ReportBody, ReportSignature {
  /** SHA-256 (hex) of the body bytes (everything before the S record), as the S record states and as computed. */
  readonly sha256: string;
}

export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
}

/** One record: fields quoted as RFC 4180 asks (a comma, quote or line break inside a field). */
export function csvRecord(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',') + '\n';
}

/** The fields of one record (without its line break). */
export function parseCsvRecord(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new ReportFormatError('a quoted field is not closed');
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    if (line[i] !== ',') throw new ReportFormatError('a quoted field is followed by more than a comma');
    i += 1;
  }
}

function positionRecords(tag: 'from' | 'to', positions: ReadonlyMap<string, ReportPosition>): string {
  return [...positions.keys()]
    .sort()
    .map((logId) => csvRecord(['P', tag, logId, positions.get(logId)!.seq.toString(), positions.get(logId)!.hash]))
    .join('');
}

/** The body bytes: what the S record's digest and signature cover. */
export function reportBodyText(b: ReportBody): string {
  return (
    csvRecord(['H', PROVIDER_REPORT_FORMAT, b.kind, b.day, String(b.issue), b.previous ?? 'none']) +
    positionRecords('from', b.from) +
    positionRecords('to', b.to) +
    csvRecord(['C', ...REPORT_COLUMNS[b.kind]]) +
    b.lines.map((l) => csvRecord(['D', ...l])).join('') +
    csvRecord(['T', ...b.totals.map(([k, v]) => `${k}=${v}`)])
  );
}

/** What the signer's key signs: the kind, day, issue and body digest, with who signed and when. */
export function reportStatement(s: { kind: string; day: string; issue: number; sha256: string; signer: string; signedAt: string }): Buffer {
  return canonicalBytes(STATEMENT_DOMAIN, {
    kind: s.kind,
    day: s.day,
    issue: String(s.issue),
    sha256: s.sha256,
    signer: s.signer,
    signedAt: s.signedAt,
  });
}

/** The whole file: the body, then the S and X records. */
export function signedReportText(bodyText: string, sig: ReportSignature): string {
  const der = certificateDerBase64(sig.certificatePem);
  return bodyText + csvRecord(['S', sig.signer, sig.signedAt, sha256Hex(bodyText), sig.signatureHex]) + csvRecord(['X', der]);
}

function certificateDerBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

function pemOf(derBase64: string): string {
  const lines = derBase64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const HEX64 = /^[0-9a-f]{64}$/;
const SEQ = /^(0|[1-9]\d{0,18})$/;

/** A report file read back, its structure checked (not its signature: see the verifier). */
export function parseReport(text: string): ParsedReport {
  const sAt = text.lastIndexOf('\nS,');
  if (sAt < 0) throw new ReportFormatError('the file has no S (signature) record');
  const bodyText = text.slice(0, sAt + 1);
  const tail = text.slice(sAt + 1).split('\n');
  if (tail.length !== 3 || tail[2] !== '') throw new ReportFormatError('the file must end with one S and one X record');
  const s = parseCsvRecord(tail[0]!);
  const x = parseCsvRecord(tail[1]!);
  if (s.length !== 5 || x.length !== 2 || x[0] !== 'X') throw new ReportFormatError('the S or X record is malformed');
  const sha256 = sha256Hex(bodyText);
  if (s[3] !== sha256) throw new ReportFormatError('the body does not match the digest in the S record (the file was changed)');
  const body = parseBody(bodyText);
  return { ...body, sha256, signer: s[1]!, signedAt: s[2]!, signatureHex: s[4]!, certificatePem: pemOf(x[1]!) };
}

function parseBody(bodyText: string): ReportBody {
  const records = bodyText.split('\n').slice(0, -1).map(parseCsvRecord);
  const h = records[0];
  if (!h || h[0] !== 'H' || h[1] !== PROVIDER_REPORT_FORMAT || h.length !== 6)
    throw new ReportFormatError(`the file is not a ${PROVIDER_REPORT_FORMAT} report`);
  const kind = h[2] as ReportKind;
  if (!REPORT_KINDS.includes(kind)) throw new ReportFormatError(`unknown report kind ${JSON.stringify(h[2])}`);
  if (!DAY.test(h[3]!) || !/^[1-9]\d{0,5}$/.test(h[4]!) || (h[5] !== 'none' && !HEX64.test(h[5]!))) throw new ReportFormatError('the H record is malformed');
  const from = new Map<string, ReportPosition>();
  const to = new Map<string, ReportPosition>();
  const lines: string[][] = [];
  let totals: [string, string][] | null = null;
  for (const r of records.slice(1)) {
    if (totals) throw new ReportFormatError('records follow the T record');
    if (r[0] === 'P') positionOf(r, r[1] === 'from' ? from : r[1] === 'to' ? to : null);
    else if (r[0] === 'C') {
      if (r.slice(1).join(',') !== REPORT_COLUMNS[kind].join(',')) throw new ReportFormatError(`the C record does not name the ${kind} columns`);
    } else if (r[0] === 'D') {
      if (r.length !== REPORT_COLUMNS[kind].length + 1)
        throw new ReportFormatError(`a D record has ${r.length - 1} fields, not ${REPORT_COLUMNS[kind].length}`);
      lines.push(r.slice(1));
    } else if (r[0] === 'T') totals = r.slice(1).map(totalOf);
    else throw new ReportFormatError(`unknown record type ${JSON.stringify(r[0])}`);
  }
  if (!totals) throw new ReportFormatError('the file has no T (trailer) record');
  return { kind, day: h[3]!, issue: Number(h[4]), previous: h[5] === 'none' ? null : h[5]!, from, to, lines, totals };
}

function positionOf(r: string[], into: Map<string, ReportPosition> | null): void {
  if (!into || r.length !== 5 || !SEQ.test(r[3]!) || !HEX64.test(r[4]!) || into.has(r[2]!)) throw new ReportFormatError('a P record is malformed');
  into.set(r[2]!, { seq: BigInt(r[3]!), hash: r[4]! });
}

function totalOf(field: string): [string, string] {
  const m = /^([A-Za-z]+)=(-?\d{1,20})$/.exec(field);
  if (!m) throw new ReportFormatError(`a T field ${JSON.stringify(field)} is not name=integer`);
  return [m[1]!, m[2]!];
}
