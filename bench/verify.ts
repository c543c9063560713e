// Verification throughput, per core: how many items a verifier checks per second, offline
// (signature, certificate chain, validity, expiry), against raw ECDSA P-256 verify in the same run.
//   npm run bench:verify [-- --seconds 3]
import { generateKeyPairSync, createPublicKey, verify as rawVerify } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import { createAuthority, issueCertificate, newCertSerialHex } from '../src/module/index.js';
import { encodeItem, encodeSignedBytes, verifyItem, type ItemData } from '../src/indicium/index.js';
import { signItemBytes } from '../src/crypto/index.js';

const at = process.argv.indexOf('--seconds');
const seconds = at > 0 ? Number(process.argv[at + 1]) : 3;
if (!(seconds > 0 && seconds <= 60)) throw new Error('--seconds must be 1 to 60');
const now = new Date();
const ca = await createAuthority('Bench', new Date(now.getTime() - 86_400_000));
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const serial = newCertSerialHex();
const certPem = await issueCertificate(ca, {
  subject: 'CN=meter bench',
  publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
  serialHex: serial,
  notBefore: new Date(now.getTime() - 60_000),
  notAfter: new Date(now.getTime() + 365 * 86_400_000),
});
const items: Buffer[] = [];
for (let i = 1; i <= 1000; i++) {
  const data: ItemData = {
    kind: 'postage',
    certSerialHex: serial,
    meterId: '3b0f6a52-9a3c-4d55-8a10-7d2b9e0c1f22',
    itemSerial: BigInt(i),
    arAfterMills: BigInt(i * 730),
    valueMills: 730n,
    date: now.toISOString().slice(0, 10),
    softwareId: 'VM000100',
    postage: { originZip: '90807', destination: '100011234', rateCategory: 'FCM-LETTER', weightTenthOz: 10 },
  };
  const signed = encodeSignedBytes(data);
  items.push(encodeItem(signed, signItemBytes(signed, privateKey)));
}

function rate(label: string, fn: (i: number) => boolean): number {
  for (let i = 0; i < 200; i++) fn(i); // warm up
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 100; k++, n++) if (!fn(n)) throw new Error(`${label}: verification failed`);
  }
  const perSec = n / seconds;
  console.log(`${label.padEnd(44)} ${Math.round(perSec).toLocaleString('en-US').padStart(10)} /s`);
  return perSec;
}

const pub = createPublicKey(certPem);
const raw = rate('raw ECDSA P-256 verify (baseline)', (i) => {
  const b = items[i % items.length]!;
  return rawVerify('sha256', b.subarray(0, b.length - 64), { key: pub, dsaEncoding: 'ieee-p1363' }, b.subarray(b.length - 64));
});
const full = rate('verifyItem: decode + chain + validity + sig', (i) => verifyItem(items[i % items.length]!, certPem, ca.certPem, now).valid);
const ratio = full / raw;
console.log(`ratio verifyItem / raw verify: ${ratio.toFixed(2)}`);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('./results/verify.json', import.meta.url),
  JSON.stringify(
    { at: new Date().toISOString(), seconds, rawVerifyPerSec: Math.round(raw), verifyItemPerSec: Math.round(full), ratio: Number(ratio.toFixed(3)) },
    null,
    2,
  ),
);
