// An independent NACHA file validator: it shares no code with the builder but the ABA checksum, and
// reads the fixed-width layout (NACHA Operating Rules, Appendix Three) from the text alone.

import { abaChecksumOk } from './aba.js';

export type NachaProblemKind =
  'record_length' | 'record_order' | 'blocking' | 'field' | 'routing_checksum' | 'entry_count' | 'entry_hash' | 'totals' | 'batch_count' | 'block_count';

export interface NachaProblem {
  readonly line: number; // 1-based
  readonly kind: NachaProblemKind;
  readonly message: string;
}

export interface NachaEntryRecord {
  readonly line: number;
  readonly transactionCode: string;
  readonly routing: string;
  readonly account: string;
  readonly amountCents: bigint;
  readonly individualId: string;
  readonly individualName: string;
  readonly traceNumber: string;
  readonly addenda: readonly string[]; // the raw type-7 records that follow the entry
}

export interface NachaSummary {
  readonly batches: number;
  readonly entries: number; // entry detail records
  readonly addenda: number;
  readonly blocks: number;
  readonly totalDebitCents: bigint;
  readonly totalCreditCents: bigint;
  readonly entryHash: string;
}

export type NachaValidation =
  | { readonly ok: true; readonly summary: NachaSummary; readonly entries: readonly NachaEntryRecord[] }
  | { readonly ok: false; readonly problems: readonly NachaProblem[] };

const LENGTH = 94;
const FILLER = '9'.repeat(LENGTH);
const HASH_MOD = 10_000_000_000n;
const DIGITS = /^\d+$/;
// Transaction codes: second digit 1-4 credit, 6-9 debit (2x checking, 3x savings, 4x GL, 5x loan).
const CREDIT_CODES = new Set(['21', '22', '23', '24', '31', '32', '33', '34', '41', '42', '43', '44', '51', '52', '53', '54']);
const DEBIT_CODES = new Set(['26', '27', '28', '29', '36', '37', '38', '39', '46', '47', '48', '49', '55', '56']);

/** Split into records: LF or CRLF line endings, one optional final line ending. */
export function nachaLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface Totals {
  count: bigint; // entry + addenda records
  entries: bigint;
  addenda: bigint;
  hash: bigint;
  debit: bigint;
  credit: bigint;
}

const zero = (): Totals => ({ count: 0n, entries: 0n, addenda: 0n, hash: 0n, debit: 0n, credit: 0n });

class Checker {
  readonly problems: NachaProblem[] = [];
  readonly entries: NachaEntryRecord[] = [];
  i = 1; // the next record to read (0-based); the file header is record 0
  batches = 0;
  lastBatchNumber = 0n;
  readonly file = zero();

  constructor(readonly lines: readonly string[]) {}

  report(line: number, kind: NachaProblemKind, message: string): void {
    if (this.problems.length < 100) this.problems.push({ line, kind, message });
  }

  num(rec: string, from: number, to: number, line: number, name: string): bigint {
    const s = rec.slice(from - 1, to);
    if (DIGITS.test(s)) return BigInt(s);
    this.report(line, 'field', `${name} (positions ${from}-${to}) is not numeric: ${JSON.stringify(s)}`);
    return -1n;
  }

  routing(routing: string, line: number, name: string): void {
    if (!abaChecksumOk(routing)) this.report(line, 'routing_checksum', `${name} ${JSON.stringify(routing)} fails the ABA checksum`);
  }

  fileHeader(): boolean {
    const fh = this.lines[0]!;
    if (fh[0] !== '1') {
      this.report(1, 'record_order', 'the first record is not a file header (type 1)');
      return false;
    }
    if (fh.slice(1, 3) !== '01') this.report(1, 'field', 'priority code is not 01');
    if (fh[3] !== ' ') this.report(1, 'field', 'immediate destination must be a blank and a routing number');
    this.routing(fh.slice(4, 13), 1, 'immediate destination');
    if (fh.slice(34, 37) !== '094') this.report(1, 'field', 'record size is not 094');
    if (fh.slice(37, 39) !== '10') this.report(1, 'field', 'blocking factor is not 10');
    if (fh[39] !== '1') this.report(1, 'field', 'format code is not 1');
    if (!/^[A-Z0-9]$/.test(fh[33]!)) this.report(1, 'field', 'file id modifier is not A-Z or 0-9');
    return true;
  }

  /** Read one batch from its header (at this.i) to its control; false when the structure is lost. */
  batch(): boolean {
    const bh = this.lines[this.i]!;
    const bhLine = this.i + 1;
    this.batches++;
    const serviceClass = bh.slice(1, 4);
    if (!['200', '220', '225'].includes(serviceClass)) this.report(bhLine, 'field', `service class code ${serviceClass} is not 200, 220 or 225`);
    if (!/^[A-Z]{3}$/.test(bh.slice(50, 53))) this.report(bhLine, 'field', 'standard entry class code is not three letters');
    this.num(bh, 70, 75, bhLine, 'effective entry date');
    this.num(bh, 80, 87, bhLine, 'originating DFI');
    const batchNumber = this.num(bh, 88, 94, bhLine, 'batch number');
    if (batchNumber >= 0n && batchNumber <= this.lastBatchNumber) this.report(bhLine, 'record_order', 'batch numbers must ascend');
    this.lastBatchNumber = batchNumber;
    this.i++;
    const t = zero();
    let lastTrace = '';
    while (this.i < this.lines.length && this.lines[this.i]![0] === '6') lastTrace = this.entry(serviceClass, t, lastTrace);
    if (t.count === 0n) this.report(bhLine, 'record_order', 'a batch has no entries');
    if (this.i >= this.lines.length || this.lines[this.i]![0] !== '8') {
      this.report(this.i + 1, 'record_order', 'a batch is not closed by a batch control (type 8)');
      return false;
    }
    this.batchControl(bh, t);
    for (const k of ['count', 'entries', 'addenda', 'hash', 'debit', 'credit'] as const) this.file[k] += t[k];
    this.i++;
    return true;
  }

  /** Read one entry detail record and its addenda; returns its trace number. */
  entry(serviceClass: string, t: Totals, lastTrace: string): string {
    const e = this.lines[this.i]!;
    const line = this.i + 1;
    const code = e.slice(1, 3);
    const routing = e.slice(3, 12);
    this.routing(routing, line, 'receiving DFI');
    const amount = this.num(e, 30, 39, line, 'amount');
    const trace = e.slice(79, 94);
    this.num(e, 80, 94, line, 'trace number');
    if (trace <= lastTrace) this.report(line, 'record_order', `trace number ${trace} does not ascend within the batch`);
    if (CREDIT_CODES.has(code)) {
      if (serviceClass === '225') this.report(line, 'field', `credit transaction code ${code} in a debits-only batch`);
      t.credit += amount;
    } else if (DEBIT_CODES.has(code)) {
      if (serviceClass === '220') this.report(line, 'field', `debit transaction code ${code} in a credits-only batch`);
      t.debit += amount;
    } else {
      this.report(line, 'field', `transaction code ${JSON.stringify(code)} is not a known one`);
    }
    if (DIGITS.test(routing.slice(0, 8))) t.hash += BigInt(routing.slice(0, 8));
    t.count++;
    t.entries++;
    this.i++;
    const addenda: string[] = [];
    while (this.i < this.lines.length && this.lines[this.i]![0] === '7') {
      addenda.push(this.lines[this.i]!);
      t.count++;
      t.addenda++;
      this.i++;
    }
    const indicator = e[78];
    if (indicator !== '0' && indicator !== '1') this.report(line, 'field', 'addenda record indicator is not 0 or 1');
    if ((indicator === '1') !== addenda.length > 0) this.report(line, 'record_order', 'addenda record indicator does not match the addenda that follow');
    this.entries.push({
      line,
      transactionCode: code,
      routing,
      account: e.slice(12, 29).trimEnd(),
      amountCents: amount,
      individualId: e.slice(39, 54).trimEnd(),
      individualName: e.slice(54, 76).trimEnd(),
      traceNumber: trace,
      addenda,
    });
    return trace;
  }

  batchControl(bh: string, t: Totals): void {
    const bc = this.lines[this.i]!;
    const line = this.i + 1;
    if (bc.slice(1, 4) !== bh.slice(1, 4)) this.report(line, 'field', 'batch control service class differs from its header');
    if (this.num(bc, 5, 10, line, 'entry/addenda count') !== t.count)
      this.report(line, 'entry_count', `batch control counts differ from the ${t.count} entry and addenda records`);
    const hash = (t.hash % HASH_MOD).toString().padStart(10, '0');
    if (bc.slice(10, 20) !== hash) this.report(line, 'entry_hash', `batch entry hash ${bc.slice(10, 20)} is not ${hash}`);
    if (this.num(bc, 21, 32, line, 'total debit') !== t.debit) this.report(line, 'totals', `batch total debit is not ${t.debit}`);
    if (this.num(bc, 33, 44, line, 'total credit') !== t.credit) this.report(line, 'totals', `batch total credit is not ${t.credit}`);
    if (bc.slice(44, 54) !== bh.slice(40, 50)) this.report(line, 'field', 'batch control company id differs from its header');
    if (bc.slice(79, 87) !== bh.slice(79, 87)) this.report(line, 'field', 'batch control ODFI differs from its header');
    if (bc.slice(87, 94) !== bh.slice(87, 94)) this.report(line, 'field', 'batch control batch number differs from its header');
  }

  /** The file control at this.i, then nothing but filler; returns the block count. */
  fileControl(): bigint {
    const fc = this.lines[this.i]!;
    const line = this.i + 1;
    const f = this.file;
    const blocks = BigInt(Math.ceil(this.lines.length / 10));
    if (this.num(fc, 2, 7, line, 'batch count') !== BigInt(this.batches)) this.report(line, 'batch_count', `file control batch count is not ${this.batches}`);
    if (this.num(fc, 8, 13, line, 'block count') !== blocks) this.report(line, 'block_count', `file control block count is not ${blocks}`);
    if (this.num(fc, 14, 21, line, 'entry/addenda count') !== f.count) this.report(line, 'entry_count', `file control entry/addenda count is not ${f.count}`);
    const hash = (f.hash % HASH_MOD).toString().padStart(10, '0');
    if (fc.slice(21, 31) !== hash) this.report(line, 'entry_hash', `file entry hash ${fc.slice(21, 31)} is not ${hash}`);
    if (this.num(fc, 32, 43, line, 'total debit') !== f.debit) this.report(line, 'totals', `file total debit is not ${f.debit}`);
    if (this.num(fc, 44, 55, line, 'total credit') !== f.credit) this.report(line, 'totals', `file total credit is not ${f.credit}`);
    const firstFiller = this.lines.findIndex((l, j) => j > this.i && l !== FILLER);
    if (firstFiller >= 0) this.report(firstFiller + 1, 'record_order', 'only filler records (all 9s) may follow the file control');
    if (this.lines.length - (this.i + 1) >= 10) this.report(line, 'blocking', 'a whole block of filler records follows the file control');
    return blocks;
  }
}

/** Parse and check a whole file: lengths, order, blocking, controls, hashes, totals, routing numbers. */
export function validateNachaFile(text: string): NachaValidation {
  const lines = nachaLines(text);
  const c = new Checker(lines);
  lines.forEach((l, i) => {
    if (l.length !== LENGTH) c.report(i + 1, 'record_length', `record is ${l.length} characters, not ${LENGTH}`);
  });
  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  if (lines.length === 0) return { ok: false, problems: [{ line: 0, kind: 'record_order', message: 'the file is empty' }] };
  if (lines.length % 10 !== 0) c.report(lines.length, 'blocking', `${lines.length} records is not a whole number of blocks of 10`);
  if (!c.fileHeader()) return { ok: false, problems: c.problems };
  while (c.i < lines.length && lines[c.i]![0] === '5') {
    if (!c.batch()) return { ok: false, problems: c.problems };
  }
  if (c.i >= lines.length || lines[c.i]![0] !== '9' || lines[c.i] === FILLER) {
    c.report(c.i + 1, 'record_order', 'expected a batch header (type 5) or the file control (type 9)');
    return { ok: false, problems: c.problems };
  }
  const blocks = c.fileControl();
  if (c.problems.length > 0) return { ok: false, problems: c.problems };
  const f = c.file;
  const summary: NachaSummary = {
    batches: c.batches,
    entries: Number(f.entries),
    addenda: Number(f.addenda),
    blocks: Number(blocks),
    totalDebitCents: f.debit,
    totalCreditCents: f.credit,
    entryHash: (f.hash % HASH_MOD).toString().padStart(10, '0'),
  };
  return { ok: true, entries: c.entries, summary };
}
