import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate, newCertSerialHex, type Authority } from '../../../src/module/certificates.js';
import { proofBytes, type ProofFields } from '../../../src/protocol/index.js';
import { ephemeralKey, verifyProof } from '../../../src/module/protocol-crypto.js';
import { certificateChainsTo, parseCertificate } from '../../../src/crypto/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

let ca: Authority;
let otherCa: Authority;
let caCert: X509Certificate;
let moduleCert: X509Certificate;
let moduleKey: ReturnType<typeof generateKeyPairSync>['privateKey'];
let serial: string;

beforeAll(async () => {
  ca = await createAuthority('Unit', new Date(T0));
  otherCa = await createAuthority('Other', new Date(T0));
  caCert = new X509Certificate(ca.certPem);
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  moduleKey = keys.privateKey;
  serial = newCertSerialHex();
  const pem = await issueCertificate(ca, {
    subject: 'CN=module M1, O=Vaultmeter',
    publicSpki: keys.publicKey.export({ type: 'spki', format: 'der' }),
    serialHex: serial,
    notBefore: new Date(T0),
    notAfter: new Date(T0 + 30 * DAY),
  });
  moduleCert = new X509Certificate(pem);
});

describe('newCertSerialHex', () => {
  it('is 16 bytes, positive, never with a leading zero byte', () => {
    for (let i = 0; i < 200; i++) {
      const s = newCertSerialHex();
      expect(s).toMatch(/^[0-9a-f]{32}$/);
      const top = parseInt(s.slice(0, 2), 16);
      expect(top & 0x80).toBe(0);
      expect(top & 0x10).toBe(0x10);
    }
  });
});

describe('certificateChainsTo', () => {
  it('accepts an issued certificate inside its validity', () => {
    expect(caCert.ca).toBe(true);
    expect(moduleCert.ca).toBe(false);
    expect(moduleCert.serialNumber.toLowerCase()).toBe(serial);
    expect(certificateChainsTo(moduleCert, caCert, new Date(T0 + DAY))).toBe(true);
  });

  it('refuses a certificate before or after its validity', () => {
    expect(certificateChainsTo(moduleCert, caCert, new Date(T0 - 1000))).toBe(false);
    expect(certificateChainsTo(moduleCert, caCert, new Date(T0 + 31 * DAY))).toBe(false);
  });

  it('refuses another CA', () => {
    expect(certificateChainsTo(moduleCert, new X509Certificate(otherCa.certPem), new Date(T0 + DAY))).toBe(false);
  });

  it('refuses an end-entity certificate used as the CA', () => {
    expect(certificateChainsTo(moduleCert, moduleCert, new Date(T0 + DAY))).toBe(false);
  });

  it('refuses a certificate with the right issuer name but another signer', async () => {
    // Same subject name as the real CA, different key: name matching alone must not pass.
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged: Authority = { certPem: ca.certPem, privatePkcs8: otherCa.privatePkcs8 };
    const pem = await issueCertificate(forged, {
      subject: 'CN=module M1, O=Vaultmeter',
      publicSpki: keys.publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(T0),
      notAfter: new Date(T0 + 30 * DAY),
    });
    expect(certificateChainsTo(new X509Certificate(pem), caCert, new Date(T0 + DAY))).toBe(false);
  });
});

describe('parseCertificate', () => {
  it('parses PEM and returns null for anything else', () => {
    expect(parseCertificate(ca.certPem)?.subject).toContain('Unit Root CA');
    expect(parseCertificate('not a certificate')).toBeNull();
    expect(parseCertificate('')).toBeNull();
  });
});

describe('verifyProof', () => {
  const fields = (): ProofFields => ({
    meterId: '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f',
    clientNonce: Buffer.alloc(32, 1),
    ephemeralPublicKey: ephemeralKey(() => Buffer.alloc(32, 3)).publicKey,
    moduleSerial: 'M1',
    meterCertSerialHex: '1a2b3c4d5e6f708192a3b4c5d6e7f801',
  });

  it('accepts a proof signed by the certified module key', () => {
    const sig = sign('sha256', proofBytes(fields()), moduleKey);
    expect(verifyProof(moduleCert, fields(), sig)).toBe(true);
  });

  it('refuses a proof over other fields, or signed by another key', () => {
    const sig = sign('sha256', proofBytes(fields()), moduleKey);
    expect(verifyProof(moduleCert, { ...fields(), clientNonce: Buffer.alloc(32, 2) }, sig)).toBe(false);
    expect(verifyProof(moduleCert, { ...fields(), moduleSerial: 'M2' }, sig)).toBe(false);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(verifyProof(moduleCert, fields(), sign('sha256', proofBytes(fields()), other))).toBe(false);
  });
});
