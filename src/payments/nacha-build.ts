// A NACHA (ACH) file builder for PPD debits, written against the NACHA Operating Rules record layouts
// (Appendix Three, "ACH Record Format Specifications"). Every record is 94 characters; records are
// grouped in blocks of 10 (blocking factor 10), the last block filled with lines of 94 '9's.
//
//   1 File Header   1 '1' | 2-3 priority '01' | 4-13 immediate destination ' '+RTN | 14-23 immediate
//                   origin | 24-29 creation date YYMMDD | 30-33 time HHMM | 34 file id modifier |
//                   35-37 '094' | 38-39 '10' | 40 '1' | 41-63 destination name | 64-86 origin name |
//                   87-94 reference code
//   5 Batch Header  1 '5' | 2-4 service class (225 debits only) | 5-20 company name | 21-40 company
//                   discretionary data | 41-50 company id | 51-53 SEC 'PPD' | 54-63 entry description |
//                   64-69 descriptive date | 70-75 effective date YYMMDD | 76-78 settlement date (blank,
//                   the ACH operator fills it) | 79 originator status '1' | 80-87 ODFI | 88-94 batch number
//   6 Entry Detail  1 '6' | 2-3 transaction code (27 checking debit, 37 savings debit) | 4-11 RDFI |
//                   12 check digit | 13-29 account number (left-justified) | 30-39 amount in cents |
//                   40-54 individual id | 55-76 individual name | 77-78 discretionary data |
//                   79 addenda indicator | 80-94 trace number (ODFI 8 digits + 7-digit sequence)
//   8 Batch Control 1 '8' | 2-4 service class | 5-10 entry/addenda count | 11-20 entry hash |
//                   21-32 total debit | 33-44 total credit | 45-54 company id | 55-73 MAC (blank) |
//                   74-79 reserved | 80-87 ODFI | 88-94 batch number
//   9 File Control  1 '9' | 2-7 batch count | 8-13 block count | 14-21 entry/addenda count |
//                   22-31 entry hash | 32-43 total debit | 44-55 total credit | 56-94 reserved
//
// Entry hash: the sum of the 8-digit RDFI identifications (routing without check digit), keeping the
// rightmost 10 digits. Numeric fields are right-justified and zero-filled; alphanumeric fields are
// left-justified and space-filled.
//
// Why not `nach2` (the dependency the issue suggested): measured with 0.5.1, Batch.addEntry recomputes
// the batch totals over every entry already added, so a batch is quadratic: 2,000 entries 0.6 s,
// 4,000 1.5 s, 8,000 5.7 s — 100,000 would take about 15 minutes. It also keeps amounts as floating
// dollars (parseFloat/toFixed), reads the clock when its header module loads, and truncates account
// numbers silently. This builder is linear and exact (bigint cents).

import { abaChecksumOk } from './aba.js';
import { NachaInputError } from './nacha-error.js';

export const RECORD_LENGTH = 94;
export const BLOCKING_FACTOR = 10;
export const FILLER_RECORD = '9'.repeat(RECORD_LENGTH);
/** Checking and savings debits, the only entries this builder writes. */
export const TRANSACTION_CODE = { checking: '27', savings: '37' } as const;
export type AccountType = keyof typeof TRANSACTION_CODE;

const MAX_ENTRY_CENTS = 9_999_999_999n; // 10 digits
const MAX_TOTAL_CENTS = 999_999_999_999n; // 12 digits
const ENTRY_HASH_MODULUS = 10_000_000_000n;

/** An amount: cents, or mills (tenths of a cent) that must convert to whole cents exactly. */
export type AchAmount = { readonly cents: bigint } | { readonly mills: bigint };

export interface AchDebitEntry {
  readonly routing: string; // 9 digits, RDFI + check digit
  readonly account: string; // up to 17 characters, never truncated
  readonly accountType: AccountType;
  readonly amount: AchAmount;
  readonly individualName: string; // truncated to 22
  readonly individualId: string; // up to 15, never truncated
  readonly traceNumber: string; // 15 digits, starting with the ODFI's 8 digits
}

export interface NachaFileInput {
  readonly immediateDestination: string; // RTN of the bank (or ACH operator) receiving the file
  readonly immediateDestinationName: string;
  readonly immediateOrigin: string; // 10 characters at most: usually the company id or ' ' + RTN
  readonly immediateOriginName: string;
  readonly company: { readonly name: string; readonly id: string };
  readonly originatingDfi: string; // 9-digit RTN of the ODFI; the record holds its first 8 digits
  readonly entryDescription: string; // e.g. 'POSTAGE'
  readonly effectiveDate: string; // YYYY-MM-DD
  readonly createdAt: Date; // formatted in UTC; the caller's clock, not ours
  readonly fileIdModifier?: string; // A-Z or 0-9, default 'A'
  readonly referenceCode?: string;
  readonly entries: readonly AchDebitEntry[];
  readonly lineEnding?: '\n' | '\r\n';
}

/** Convert an amount to cents exactly; refuse non-positive amounts and mills that are not whole cents. */
export function amountToCents(amount: AchAmount): bigint {
  let cents: bigint;
  if ('cents' in amount) {
    cents = amount.cents;
  } else {
    if (amount.mills % 10n !== 0n) {
      throw new NachaInputError('invalid_amount', `${amount.mills} mills is not a whole number of cents; ACH moves cents only`);
    }
    cents = amount.mills / 10n;
  }
  if (cents <= 0n) throw new NachaInputError('invalid_amount', `the amount must be positive (got ${cents} cents)`);
  if (cents > MAX_ENTRY_CENTS) throw new NachaInputError('amount_too_large', `${cents} cents does not fit the 10-digit amount field`);
  return cents;
}

/** Reduce text to the NACHA alphanumeric set (printable ASCII), upper-cased; accents are dropped. */
export function achText(text: string, field: string): string {
  const ascii = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase();
  if (!/^[\x20-\x7e]*$/.test(ascii)) throw new NachaInputError('invalid_field', `${field} has characters outside printable ASCII`);
  return ascii;
}

/** Left-justify, space-fill; longer text is truncated only where `truncate` allows, else refused. */
export function alpha(text: string, width: number, field: string, truncate: boolean): string {
  const t = achText(text, field);
  if (t.length > width) {
    if (!truncate) throw new NachaInputError('invalid_field', `${field} is longer than ${width} characters`);
    return t.slice(0, width);
  }
  return t.padEnd(width, ' ');
}

/** Right-justify, zero-fill a non-negative integer; refuse one that does not fit. */
export function numeric(value: bigint | number | string, width: number, field: string): string {
  const s = value.toString();
  if (!/^\d+$/.test(s)) throw new NachaInputError('invalid_field', `${field} must be digits`);
  if (s.length > width) throw new NachaInputError('invalid_field', `${field} does not fit ${width} digits`);
  return s.padStart(width, '0');
}

function routingOrFail(routing: string, field: string): string {
  if (!abaChecksumOk(routing)) throw new NachaInputError('invalid_routing_number', `${field} ${JSON.stringify(routing)} is not a valid ABA routing number`);
  return routing;
}

function yymmdd(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3])) {
    throw new NachaInputError('invalid_date', `${JSON.stringify(isoDate)} is not a date YYYY-MM-DD`);
  }
  return isoDate.slice(2, 4) + isoDate.slice(5, 7) + isoDate.slice(8, 10);
}

function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}

function assertRecord(record: string, what: string): string {
  if (record.length !== RECORD_LENGTH) throw new Error(`internal: ${what} record is ${record.length} characters, not 94`);
  return record;
}

function fileHeader(input: NachaFileInput): string {
  const destination = routingOrFail(input.immediateDestination, 'immediate destination');
  const modifier = input.fileIdModifier ?? 'A';
  if (!/^[A-Z0-9]$/.test(modifier)) throw new NachaInputError('invalid_field', 'file id modifier must be one of A-Z, 0-9');
  const c = input.createdAt;
  if (Number.isNaN(c.getTime())) throw new NachaInputError('invalid_date', 'createdAt is not a valid date');
  const created = pad2(c.getUTCFullYear() % 100) + pad2(c.getUTCMonth() + 1) + pad2(c.getUTCDate());
  const time = pad2(c.getUTCHours()) + pad2(c.getUTCMinutes());
  // The immediate origin is right-justified in its 10 characters (e.g. ' ' + a routing number).
  const origin = achText(input.immediateOrigin, 'immediate origin').trim();
  if (origin.length === 0 || origin.length > 10) throw new NachaInputError('invalid_field', 'immediate origin must be 1 to 10 characters');
  return assertRecord(
    '1' +
      '01' +
      ' ' +
      destination +
      origin.padStart(10, ' ') +
      created +
      time +
      modifier +
      '094' +
      '10' +
      '1' +
      alpha(input.immediateDestinationName, 23, 'immediate destination name', true) +
      alpha(input.immediateOriginName, 23, 'immediate origin name', true) +
      alpha(input.referenceCode ?? '', 8, 'reference code', true),
    'file header',
  );
}

interface BatchIds {
  readonly odfi: string; // 8 digits
  readonly companyId: string; // 10 characters
  readonly batchNumber: string; // 7 digits
}

function batchHeader(input: NachaFileInput, ids: BatchIds): string {
  return assertRecord(
    '5' +
      '225' +
      alpha(input.company.name, 16, 'company name', true) +
      ' '.repeat(20) +
      ids.companyId +
      'PPD' +
      alpha(input.entryDescription, 10, 'entry description', true) +
      ' '.repeat(6) +
      yymmdd(input.effectiveDate) +
      '   ' +
      '1' +
      ids.odfi +
      ids.batchNumber,
    'batch header',
  );
}

function entryDetail(e: AchDebitEntry, i: number, odfi: string, traces: Set<string>): { record: string; cents: bigint; hash: bigint } {
  const where = `entry ${i}`;
  const routing = routingOrFail(e.routing, `${where} routing number`);
  const code = TRANSACTION_CODE[e.accountType];
  if (code === undefined) throw new NachaInputError('invalid_field', `${where}: account type must be checking or savings`);
  if (!/^[\x20-\x7e]+$/.test(e.account) || e.account.trim() === '') {
    throw new NachaInputError('invalid_field', `${where}: account number must be printable ASCII, not blank`);
  }
  const cents = amountToCents(e.amount);
  if (!/^\d{15}$/.test(e.traceNumber) || !e.traceNumber.startsWith(odfi)) {
    throw new NachaInputError('invalid_trace_number', `${where}: trace number must be 15 digits starting with the ODFI's ${odfi}`);
  }
  if (traces.has(e.traceNumber)) throw new NachaInputError('duplicate_trace_number', `${where}: trace number ${e.traceNumber} repeats`);
  traces.add(e.traceNumber);
  const record = assertRecord(
    '6' +
      code +
      routing +
      alpha(e.account.trim(), 17, `${where} account number`, false) +
      numeric(cents, 10, `${where} amount`) +
      alpha(e.individualId, 15, `${where} individual id`, false) +
      alpha(e.individualName, 22, `${where} individual name`, true) +
      '  ' +
      '0' +
      e.traceNumber,
    'entry detail',
  );
  return { record, cents, hash: BigInt(routing.slice(0, 8)) };
}

function controls(ids: BatchIds, count: number, hash: bigint, totalDebit: bigint, records: number): string[] {
  if (totalDebit > MAX_TOTAL_CENTS) throw new NachaInputError('totals_overflow', `the total debit ${totalDebit} cents does not fit 12 digits`);
  const entryHash = numeric(hash % ENTRY_HASH_MODULUS, 10, 'entry hash');
  const blocks = Math.ceil(records / BLOCKING_FACTOR);
  const batchControl =
    '8' +
    '225' +
    numeric(count, 6, 'batch entry count') +
    entryHash +
    numeric(totalDebit, 12, 'total debit') +
    numeric(0, 12, 'total credit') +
    ids.companyId +
    ' '.repeat(19) +
    ' '.repeat(6) +
    ids.odfi +
    ids.batchNumber;
  const fileControl =
    '9' +
    numeric(1, 6, 'batch count') +
    numeric(blocks, 6, 'block count') +
    numeric(count, 8, 'entry count') +
    entryHash +
    numeric(totalDebit, 12, 'total debit') +
    numeric(0, 12, 'total credit') +
    ' '.repeat(39);
  const out = [assertRecord(batchControl, 'batch control'), assertRecord(fileControl, 'file control')];
  for (let i = records; i < blocks * BLOCKING_FACTOR; i++) out.push(FILLER_RECORD);
  return out;
}

/** Build a one-batch PPD debit file (service class 225). Pure: the clock comes in as `createdAt`. */
export function buildNachaFile(input: NachaFileInput): string {
  if (input.entries.length === 0) throw new NachaInputError('invalid_field', 'a file needs at least one entry');
  const ids: BatchIds = {
    odfi: routingOrFail(input.originatingDfi, 'originating DFI').slice(0, 8),
    companyId: alpha(input.company.id, 10, 'company id', false),
    batchNumber: numeric(1, 7, 'batch number'),
  };
  const lines: string[] = [fileHeader(input), batchHeader(input, ids)];
  let hash = 0n;
  let totalDebit = 0n;
  const traces = new Set<string>();
  for (let i = 0; i < input.entries.length; i++) {
    const e = entryDetail(input.entries[i]!, i, ids.odfi, traces);
    lines.push(e.record);
    hash += e.hash;
    totalDebit += e.cents;
  }
  const records = lines.length + 2; // with the batch and file controls
  lines.push(...controls(ids, input.entries.length, hash, totalDebit, records));
  return lines.join(input.lineEnding ?? '\n') + (input.lineEnding ?? '\n');
}
