// NACHA file generation: build a PPD debit file of N entries (default 100,000) with the payments
// builder, then check it with the independent validator; print seconds and size.
//   npm run bench:nacha [-- --entries 100000]
import { buildNachaFile, validateNachaFile, type AchDebitEntry } from '../src/payments/index.js';

const at = process.argv.indexOf('--entries');
const N = at > 0 ? Number(process.argv[at + 1]) : 100_000;
const ODFI = '081000032';
const RDFI = ['011000015', '021000021', '121000358', '322271627', '081000032', '111000025'];

const entries: AchDebitEntry[] = Array.from({ length: N }, (_, i) => ({
  routing: RDFI[i % RDFI.length]!,
  account: `${100000000 + i}`,
  accountType: i % 3 === 0 ? 'savings' : 'checking',
  amount: { mills: BigInt(10_000 + (i % 5000) * 10) },
  individualName: `Customer Number ${i}`,
  individualId: `CUST${i}`,
  traceNumber: ODFI.slice(0, 8) + String(i + 1).padStart(7, '0'),
}));

const t0 = process.hrtime.bigint();
const text = buildNachaFile({
  immediateDestination: ODFI,
  immediateDestinationName: 'First Bank',
  immediateOrigin: '1234567890',
  immediateOriginName: 'Vaultmeter Inc',
  company: { name: 'Vaultmeter', id: '1234567890' },
  originatingDfi: ODFI,
  entryDescription: 'POSTAGE',
  effectiveDate: '2026-12-01',
  createdAt: new Date(Date.UTC(2026, 10, 30, 6, 0)),
  entries,
});
const t1 = process.hrtime.bigint();
const v = validateNachaFile(text);
const t2 = process.hrtime.bigint();
if (!v.ok) {
  console.error('validator refused the file:', v.problems.slice(0, 5));
  process.exit(1);
}
const s = (a: bigint, b: bigint) => (Number(b - a) / 1e9).toFixed(3);
const mb = (Buffer.byteLength(text) / 1e6).toFixed(2);
console.log(`NACHA PPD debit file, ${N} entries (${v.summary.blocks} blocks, total ${v.summary.totalDebitCents} cents)`);
console.log(`  build:    ${s(t0, t1)} s`);
console.log(`  validate: ${s(t1, t2)} s`);
console.log(`  size:     ${mb} MB (${Buffer.byteLength(text)} bytes, LF line endings)`);
console.log(`  node ${process.version}, ${process.platform}/${process.arch}`);
