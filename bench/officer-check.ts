// The module's cost of checking one officer statement (checkOfficerAuthorization: certificate
// parse, chain check, signature verify), in process, one core; raw ECDSA P-256 verify beside it.
//   npm run bench:officer-check [-- --checks 5000]
import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { createAuthority, issueCertificate, newCertSerialHex } from '../src/module/index.js';
import { checkOfficerAuthorization } from '../src/module/officer-check.js';
import { officerStatementBytes, officerSubject } from '../src/protocol/index.js';
import { newStatement } from '../src/runtime/index.js';

const at = process.argv.indexOf('--checks');
const CHECKS = at > 0 ? Number(process.argv[at + 1]) : 5000;
if (!Number.isInteger(CHECKS) || CHECKS < 100 || CHECKS > 1_000_000) throw new Error('--checks must be an integer from 100 to 1000000');

const now = Date.now();
const ca = await createAuthority('Bench', new Date(now - 86_400_000));
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const certificatePem = await issueCertificate(ca, {
  subject: officerSubject('officer', 'security_officer'),
  publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
  serialHex: newCertSerialHex(),
  notBefore: new Date(now - 60_000),
  notAfter: new Date(now + 365 * 86_400_000),
});

// Distinct statements (as real fundings are), signed beforehand: only the check is timed.
const params = { meterId: randomUUID(), amountMills: '1000' };
const signed = Array.from({ length: CHECKS }, () => {
  const statement = newStatement('fund', params, now);
  const signature = sign('sha256', officerStatementBytes(statement), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
  return { statement, signatures: [{ certificatePem, signature }] };
});
const expect = { act: 'fund', params, roles: ['operator', 'security_officer'], signers: 1, nowMs: now } as const;

const check = () => {
  const t0 = performance.now();
  for (const s of signed) checkOfficerAuthorization(ca.certPem, s, expect);
  return ((performance.now() - t0) * 1000) / CHECKS;
};
check(); // warm up
const perCheckUs = Math.min(check(), check());

const bytes = officerStatementBytes(signed[0]!.statement);
const sig = Buffer.from(signed[0]!.signatures[0]!.signature, 'base64');
const t0 = performance.now();
for (let i = 0; i < CHECKS; i++) verify('sha256', bytes, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
const rawUs = ((performance.now() - t0) * 1000) / CHECKS;

process.stdout.write(
  `officer statement check: ${perCheckUs.toFixed(1)} µs per check (best of 2 × ${CHECKS}); raw ECDSA P-256 verify: ${rawUs.toFixed(1)} µs\n`,
);
