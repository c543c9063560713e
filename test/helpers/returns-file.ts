// A returns file as an ODFI sends it, written by hand (not by our NACHA builder): code 26 entries,
// each with a type-99 addenda naming the original entry's trace number and the return reason.

export interface Ret {
  readonly routing: string;
  readonly cents: number | bigint;
  readonly originalTrace: string;
  readonly reason: string;
  readonly addendaType?: string;
}

const rjust = (v: number | bigint | string, w: number) => v.toString().padStart(w, '0');

export function returnsFile(odfi: string, rets: readonly Ret[]): string {
  const odfi8 = odfi.slice(0, 8);
  const lines = ['101 ' + odfi + ' ' + odfi + '2612020600A094101' + 'VAULTMETER INC'.padEnd(23) + 'FIRST BANK'.padEnd(23) + ' '.repeat(8)];
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
