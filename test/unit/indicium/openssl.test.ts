import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeSignedBytes, rawSignatureToDer } from '../../../src/indicium/index.js';
import { signItemBytes, verifyItemSignature } from '../../../src/crypto/index.js';
import { SAMPLE } from '../helpers/items.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'vm-openssl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Independent, minimal DER reader: SEQUENCE { INTEGER r, INTEGER s } -> 32-byte r || 32-byte s. */
function derToRaw(der: Buffer): Buffer {
  expect(der[0]).toBe(0x30);
  expect(der[1]).toBe(der.length - 2);
  let o = 2;
  const int = () => {
    expect(der[o]).toBe(0x02);
    const len = der[o + 1]!;
    const v = der.subarray(o + 2, o + 2 + len);
    o += 2 + len;
    const trimmed = v.length > 32 ? v.subarray(v.length - 32) : v;
    return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
  };
  return Buffer.concat([int(), int()]);
}

function opensslVerify(pubPem: string, data: Buffer, der: Buffer): boolean {
  writeFileSync(join(dir, 'pub.pem'), pubPem);
  writeFileSync(join(dir, 'data.bin'), data);
  writeFileSync(join(dir, 'sig.der'), der);
  const r = spawnSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'data.bin')]);
  return r.status === 0 && r.stdout.toString().includes('Verified OK');
}

describe.skipIf(!hasOpenssl)('openssl cross-check', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('openssl verifies item signatures converted to DER', () => {
    for (let i = 0; i < 10; i++) {
      const signed = encodeSignedBytes({ ...SAMPLE, itemSerial: BigInt(i) });
      expect(opensslVerify(pubPem, signed, rawSignatureToDer(signItemBytes(signed, privateKey)))).toBe(true);
    }
  });

  it('openssl refuses a changed item', () => {
    const signed = encodeSignedBytes(SAMPLE);
    const der = rawSignatureToDer(signItemBytes(signed, privateKey));
    const changed = Buffer.from(signed);
    changed[60]! ^= 1;
    expect(opensslVerify(pubPem, changed, der)).toBe(false);
  });

  it('openssl signatures are byte-identical to rawSignatureToDer of their r||s, which verifies in node', () => {
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    for (let i = 0; i < 10; i++) {
      const signed = encodeSignedBytes({ ...SAMPLE, itemSerial: BigInt(i) });
      writeFileSync(join(dir, 'data.bin'), signed);
      const der = execFileSync('openssl', ['dgst', '-sha256', '-sign', join(dir, 'key.pem'), join(dir, 'data.bin')]);
      const raw = derToRaw(der);
      expect(rawSignatureToDer(raw)).toEqual(der);
      expect(verifyItemSignature(signed, raw, publicKey)).toBe(true);
    }
  });
});
