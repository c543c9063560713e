import type { AchDebitEntry, NachaFileInput } from '../../../src/payments/index.js';

export const ODFI = '081000032'; // checksum-valid St. Louis district routing number
export const RDFI = ['011000015', '021000021', '121000358', '322271627'] as const;

export function entry(i: number, over: Partial<AchDebitEntry> = {}): AchDebitEntry {
  return {
    routing: RDFI[i % RDFI.length]!,
    account: `ACCT${i}`,
    accountType: i % 2 === 0 ? 'checking' : 'savings',
    amount: { cents: BigInt(1000 + i) },
    individualName: `Customer ${i}`,
    individualId: `C${i}`,
    traceNumber: ODFI.slice(0, 8) + String(i + 1).padStart(7, '0'),
    ...over,
  };
}

export function fileInput(entries: readonly AchDebitEntry[], over: Partial<NachaFileInput> = {}): NachaFileInput {
  return {
    immediateDestination: ODFI,
    immediateDestinationName: 'First Bank',
    immediateOrigin: '1234567890',
    immediateOriginName: 'Vaultmeter Inc',
    company: { name: 'Vaultmeter', id: '1234567890' },
    originatingDfi: ODFI,
    entryDescription: 'POSTAGE',
    effectiveDate: '2026-12-01',
    createdAt: new Date(Date.UTC(2026, 10, 30, 7, 5)),
    entries,
    ...over,
  };
}
