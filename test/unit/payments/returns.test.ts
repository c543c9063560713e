import { describe, expect, it } from 'vitest';
import { readReturnsFile, validateNachaFile } from '../../../src/payments/index.js';
import { returnsFile as returnsFileFrom } from '../../helpers/returns-file.js';
import { ODFI } from './fixtures.js';

const returnsFile = (rets: Parameters<typeof returnsFileFrom>[1]) => returnsFileFrom(ODFI, rets);

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
