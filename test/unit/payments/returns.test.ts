import { describe, expect, it } from 'vitest';
import { readReturnsFile, validateNachaFile } from '../../../src/payments/index.js';
import { ODFI } from './fixtures.js';

interface Ret {
  routing: string;
  cents: number;
  originalTrace: string;
  reason: string;
  addendaType?: string;
}

const rjust = (v: number | bigint | string, w: number) => v.toString().padStart(w, '0');

/** A returns file as an ODFI sends it, written by hand (not by our builder): code 26 entries with type-99 addenda. */
function returnsFile(rets: readonly Ret[]): string {
  const odfi8 = ODFI.slice(0, 8);
  const lines = ['101 ' + ODFI + ' ' + ODFI + '2612020600A094101' + 'VAULTMETER INC'.padEnd(23) + 'FIRST BANK'.padEnd(23) + ' '.repeat(8)];
  lines.push('5200' + 'VAULTMETER'.padEnd(16) + ' '.repeat(20) + '1234567890PPD' + 'POSTAGE   ' + ' '.repeat(6) + '261202' + '   1' + odfi8 + '0000001');
  let hash = 0n;
  let debit = 0n;
  rets.forEach((r, i) => {
    const trace = '09100001' + rjust(i + 1, 7);
    lines.push('626' + r.routing + 'ACCT'.padEnd(17) + rjust(r.cents, 10) + 'C1'.padEnd(15) + 'CUSTOMER'.padEnd(22) + '  1' + trace);
    lines.push('7' + (r.addendaType ?? '99') + r.reason + r.originalTrace + ' '.repeat(6) + r.routing.slice(0, 8) + ' '.repeat(44) + trace);
    hash += BigInt(r.routing.slice(0, 8));
    debit += BigInt(r.cents);
  });
  const n = rets.length * 2;
  const h = rjust(hash % 10_000_000_000n, 10);
  lines.push('8200' + rjust(n, 6) + h + rjust(debit, 12) + rjust(0, 12) + '1234567890' + ' '.repeat(25) + odfi8 + '0000001');
  const blocks = Math.ceil((lines.length + 1) / 10);
  lines.push('9' + rjust(1, 6) + rjust(blocks, 6) + rjust(n, 8) + h + rjust(debit, 12) + rjust(0, 12) + ' '.repeat(39));
  while (lines.length % 10 !== 0) lines.push('9'.repeat(94));
  return lines.join('\r\n') + '\r\n';
}

const T1 = '081000030000001';
const T2 = '081000030000002';
const ours = new Set([T1, T2]);

describe('readReturnsFile', () => {
  it('maps R01 and R02 returns to the original trace numbers', () => {
    const text = returnsFile([
      { routing: '011000015', cents: 1000, originalTrace: T1, reason: 'R01' },
      { routing: '021000021', cents: 2500, originalTrace: T2, reason: 'R02' },
    ]);
    expect(validateNachaFile(text).ok).toBe(true);
    const r = readReturnsFile(text, (t) => ours.has(t));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.returns).toEqual([
      { kind: 'returned', originalTrace: T1, reason: 'R01', reasonTitle: 'Insufficient funds', amountCents: 1000n, returnTrace: '091000010000001', line: 3 },
      { kind: 'returned', originalTrace: T2, reason: 'R02', reasonTitle: 'Account closed', amountCents: 2500n, returnTrace: '091000010000002', line: 5 },
    ]);
  });

  it('reports a return for a trace number we never sent as return_unknown_entry', () => {
    const text = returnsFile([
      { routing: '011000015', cents: 1000, originalTrace: '081000039999999', reason: 'R03' },
      { routing: '011000015', cents: 1000, originalTrace: T1, reason: 'R99' },
    ]);
    const r = readReturnsFile(text, (t) => ours.has(t));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.returns[0]).toMatchObject({ kind: 'return_unknown_entry', originalTrace: '081000039999999', reason: 'R03' });
    expect(r.returns[1]).toMatchObject({ kind: 'returned', reason: 'R99', reasonTitle: undefined });
  });

  it('refuses malformed addenda and a file that fails validation', () => {
    const badReason = readReturnsFile(returnsFile([{ routing: '011000015', cents: 1, originalTrace: T1, reason: 'X01' }]), () => true);
    expect(badReason.ok).toBe(false);
    const notNinetyNine = readReturnsFile(returnsFile([{ routing: '011000015', cents: 1, originalTrace: T1, reason: 'R01', addendaType: '05' }]), () => true);
    expect(notNinetyNine.ok).toBe(false);
    const badTrace = readReturnsFile(returnsFile([{ routing: '011000015', cents: 1, originalTrace: '08100003ABCDEFG', reason: 'R01' }]), () => true);
    expect(badTrace.ok).toBe(false);
    const tampered = returnsFile([{ routing: '011000015', cents: 1000, originalTrace: T1, reason: 'R01' }]).replace('0000001000', '0000009000');
    const r = readReturnsFile(tampered, () => true);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.kind)).toContain('totals');
  });
});
