import { describe, expect, it } from 'vitest';
import {
  amountToCents,
  buildNachaFile,
  FILLER_RECORD,
  NachaInputError,
  nachaLines,
  validateNachaFile,
  type NachaProblemKind,
} from '../../../src/payments/index.js';
import { entry, fileInput, ODFI } from './fixtures.js';

const build = (n: number) => buildNachaFile(fileInput(Array.from({ length: n }, (_, i) => entry(i))));

function reason(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof NachaInputError) return e.reason;
    throw e;
  }
  return undefined;
}

/** Replace the characters of a record (1-based line, 1-based positions) and return the file text. */
function tamper(text: string, line: number, from: number, value: string): string {
  const lines = nachaLines(text);
  const rec = lines[line - 1]!;
  lines[line - 1] = rec.slice(0, from - 1) + value + rec.slice(from - 1 + value.length);
  return lines.join('\n') + '\n';
}

function kinds(text: string): NachaProblemKind[] {
  const v = validateNachaFile(text);
  return v.ok ? [] : v.problems.map((p) => p.kind);
}

describe('buildNachaFile', () => {
  it('writes 94-character records in blocks of 10 that pass the validator', () => {
    const text = build(3);
    const lines = nachaLines(text);
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => l.length === 94)).toBe(true);
    expect(lines.map((l) => l[0]).join('')).toBe('1566689999');
    expect(lines.slice(7)).toEqual([FILLER_RECORD, FILLER_RECORD, FILLER_RECORD]);
    const v = validateNachaFile(text);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.summary).toMatchObject({ batches: 1, entries: 3, blocks: 1, totalDebitCents: 3003n, totalCreditCents: 0n });
  });

  it('lays out the header, entry and control fields', () => {
    const lines = nachaLines(build(2));
    expect(lines[0]).toBe('101 0810000321234567890' + '2611300705A094101' + 'FIRST BANK'.padEnd(23) + 'VAULTMETER INC'.padEnd(23) + ' '.repeat(8));
    expect(lines[1]).toBe(
      '5225' + 'VAULTMETER'.padEnd(16) + ' '.repeat(20) + '1234567890PPD' + 'POSTAGE   ' + ' '.repeat(6) + '261201   1' + '08100003' + '0000001',
    );
    expect(lines[2]).toBe('627011000015' + 'ACCT0'.padEnd(17) + '0000001000' + 'C0'.padEnd(15) + 'CUSTOMER 0'.padEnd(22) + '  0' + '081000030000001');
    expect(lines[3]!.slice(1, 3)).toBe('37');
    // entry hash 01100001 + 02100002 = 03200003; debit 1000 + 1001 cents
    expect(lines[4]).toBe('8225000002' + '0003200003' + '000000002001' + '000000000000' + '1234567890' + ' '.repeat(25) + '08100003' + '0000001');
    expect(lines[5]).toBe('9000001000001' + '00000002' + '0003200003' + '000000002001' + '000000000000' + ' '.repeat(39));
  });

  it('fills a whole block exactly without an extra filler block', () => {
    const lines = nachaLines(build(6)); // 1 + 1 + 6 + 1 + 1 = 10
    expect(lines).toHaveLength(10);
    expect(lines[9]![0]).toBe('9');
    expect(nachaLines(build(7))).toHaveLength(20);
  });

  it('keeps the entry hash to its rightmost 10 digits', () => {
    const many = Array.from({ length: 120 }, (_, i) => entry(i, { routing: '322271627' })); // 120 × 32227162 > 10^9 … × 1000 for 10^10
    const text = buildNachaFile(fileInput(many));
    expect(validateNachaFile(text).ok).toBe(true);
    const big = Array.from({ length: 400 }, (_, i) => entry(i, { routing: '322271627' })); // 400 × 32227162 = 12 890 864 800
    const control = nachaLines(buildNachaFile(fileInput(big))).find((l) => l[0] === '9')!;
    expect(control.slice(21, 31)).toBe('2890864800');
  });

  it('converts mills to cents exactly and refuses fractions of a cent', () => {
    expect(amountToCents({ mills: 12_340n })).toBe(1234n);
    expect(amountToCents({ cents: 9_999_999_999n })).toBe(9_999_999_999n);
    expect(reason(() => amountToCents({ mills: 12_345n }))).toBe('invalid_amount');
    expect(reason(() => amountToCents({ cents: 0n }))).toBe('invalid_amount');
    expect(reason(() => amountToCents({ cents: -5n }))).toBe('invalid_amount');
    expect(reason(() => amountToCents({ cents: 10_000_000_000n }))).toBe('amount_too_large');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { amount: { mills: 1n } })])))).toBe('invalid_amount');
  });

  it('truncates names, pads short fields, and refuses to truncate accounts and ids', () => {
    const text = buildNachaFile(
      fileInput([entry(0, { individualName: 'Zoë Bartholomew-Vandersloot III', account: '12' })], {
        company: { name: 'A Very Long Company Name Inc', id: '1234567890' },
      }),
    );
    const lines = nachaLines(text);
    expect(lines[2]!.slice(54, 76)).toBe('ZOE BARTHOLOMEW-VANDER');
    expect(lines[2]!.slice(12, 29)).toBe('12' + ' '.repeat(15));
    expect(lines[1]!.slice(4, 20)).toBe('A VERY LONG COMP');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { account: '123456789012345678' })])))).toBe('invalid_field');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { individualId: '1234567890123456' })])))).toBe('invalid_field');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { individualName: '王小明' })])))).toBe('invalid_field');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { account: ' ' })])))).toBe('invalid_field');
    expect(reason(() => buildNachaFile(fileInput([], {})))).toBe('invalid_field');
  });

  it('refuses bad routing numbers, trace numbers, dates', () => {
    expect(reason(() => buildNachaFile(fileInput([entry(0, { routing: '011000016' })])))).toBe('invalid_routing_number');
    expect(reason(() => buildNachaFile(fileInput([entry(0)], { originatingDfi: '123456789' })))).toBe('invalid_routing_number');
    expect(reason(() => buildNachaFile(fileInput([entry(0)], { immediateDestination: '000000000' })))).toBe('invalid_routing_number');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { traceNumber: '12345' })])))).toBe('invalid_trace_number');
    expect(reason(() => buildNachaFile(fileInput([entry(0, { traceNumber: '999999990000001' })])))).toBe('invalid_trace_number');
    expect(reason(() => buildNachaFile(fileInput([entry(0), entry(1, { traceNumber: entry(0).traceNumber })])))).toBe('duplicate_trace_number');
    expect(reason(() => buildNachaFile(fileInput([entry(0)], { effectiveDate: '2026-02-30' })))).toBe('invalid_date');
    expect(reason(() => buildNachaFile(fileInput([entry(0)], { createdAt: new Date(Number.NaN) })))).toBe('invalid_date');
  });

  it('writes CRLF when asked, and the validator reads it', () => {
    const text = buildNachaFile(fileInput([entry(0)], { lineEnding: '\r\n' }));
    expect(text.split('\r\n')).toHaveLength(11);
    expect(validateNachaFile(text).ok).toBe(true);
  });
});

describe('validateNachaFile catches corruption', () => {
  const good = build(3); // lines: 1 header, 2 batch header, 3-5 entries, 6 batch control, 7 file control, 8-10 filler

  it('accepts the good file', () => {
    expect(kinds(good)).toEqual([]);
  });
  it('record length', () => {
    const lines = nachaLines(good);
    lines[3] = lines[3]! + ' ';
    expect(kinds(lines.join('\n'))).toEqual(['record_length']);
  });
  it('blocking: a missing filler line', () => {
    expect(kinds(nachaLines(good).slice(0, 9).join('\n'))).toContain('blocking');
  });
  it('record order: entries outside a batch, a missing batch control, text after the file control', () => {
    const lines = nachaLines(good);
    expect(kinds([lines[0], lines[2], ...lines.slice(1, 2), ...lines.slice(3)].join('\n'))).toContain('record_order');
    expect(kinds([...lines.slice(0, 5), ...lines.slice(6), FILLER_RECORD].join('\n'))).toContain('record_order');
    expect(kinds(tamper(good, 9, 1, '1'))).toContain('record_order');
    expect(kinds(tamper(good, 4, 80, '081000030000000'))).toContain('record_order'); // trace numbers must ascend
  });
  it('a changed amount breaks the totals', () => {
    expect(kinds(tamper(good, 3, 30, '0000009000'))).toEqual(['totals', 'totals']);
  });
  it('a changed routing number breaks its checksum and the entry hash', () => {
    const k = kinds(tamper(good, 3, 4, '011000016'));
    expect(k).toContain('routing_checksum');
    const k2 = kinds(tamper(good, 3, 4, '021000021')); // valid number, other bank: hashes only
    expect(k2).toEqual(['entry_hash', 'entry_hash']);
  });
  it('control counts, block count, batch count', () => {
    expect(kinds(tamper(good, 6, 5, '000004'))).toEqual(['entry_count']);
    expect(kinds(tamper(good, 7, 14, '00000004'))).toEqual(['entry_count']);
    expect(kinds(tamper(good, 7, 8, '000002'))).toEqual(['block_count']);
    expect(kinds(tamper(good, 7, 2, '000002'))).toEqual(['batch_count']);
  });
  it('a forged control total', () => {
    expect(kinds(tamper(good, 7, 32, '000000009999'))).toEqual(['totals']);
    expect(kinds(tamper(good, 6, 33, '000000000001'))).toEqual(['totals']);
  });
  it('bad header fields and non-numeric amounts', () => {
    expect(kinds(tamper(good, 1, 35, '095'))).toEqual(['field']);
    expect(kinds(tamper(good, 1, 5, '123456789'))).toEqual(['routing_checksum']);
    expect(kinds(tamper(good, 3, 30, '00000010A0'))).toContain('field');
    expect(kinds(tamper(good, 3, 2, '22'))).toContain('field'); // a credit in a debits-only batch
    expect(kinds(tamper(good, 3, 79, '1'))).toContain('record_order'); // addenda indicator with no addenda
  });
  it('the empty file', () => {
    expect(kinds('')).toEqual(['record_order']);
  });
  it(`uses the ODFI ${ODFI} prefix in trace numbers`, () => {
    expect(nachaLines(good)[2]!.slice(79, 87)).toBe(ODFI.slice(0, 8));
  });
});
