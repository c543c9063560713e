import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CA_CERT_LIFETIME_DAYS } from '../constants.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface KeyPairDer {
  readonly privatePkcs8: Buffer;
  readonly publicSpki: Buffer;
}

/** A positive 16-byte serial (top bit clear), as RFC 5280 asks. */
export function newCertSerialHex(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x10;
  return b.toString('hex');
}

async function importPrivate(pkcs8: Buffer): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pkcs8, EC, false, ['sign']) as Promise<CryptoKey>;
}

async function importPublic(spki: Buffer): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('spki', spki, EC, true, ['verify']) as Promise<CryptoKey>;
}

export interface Authority {
  readonly certPem: string;
  readonly privatePkcs8: Buffer;
}

/** The installation CA: a self-signed P-256 root that certifies modules and meters. */
export async function createAuthority(installationName: string, now: Date): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newCertSerialHex(),
    name: `CN=${installationName} Root CA, O=Vaultmeter`,
    notBefore: now,
    notAfter: new Date(now.getTime() + CA_CERT_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey));
  return { certPem: cert.toString('pem'), privatePkcs8: pkcs8 };
}

export interface IssueRequest {
  readonly subject: string;
  readonly publicSpki: Buffer;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The CA as an issuer: its certificate and a signing key handle. A WebCrypto key, so a token's
 * provider (PKCS#11) can stand in for the software key without the key bytes ever leaving it.
 */
export interface CaSigner {
  readonly certPem: string;
  readonly signingKey: CryptoKey;
}

/** A CaSigner from the CA's PKCS#8 bytes (software keys; the imported key is not extractable). */
export async function caSigner(ca: Authority): Promise<CaSigner> {
  return { certPem: ca.certPem, signingKey: await importPrivate(ca.privatePkcs8) };
}

/** Issue an end-entity signing certificate (a module identity or a meter key) from the CA. */
export async function issueCertificate(ca: Authority | CaSigner, req: IssueRequest): Promise<string> {
  const signer = 'signingKey' in ca ? ca : await caSigner(ca);
  const caCert = new x509.X509Certificate(signer.certPem);
  const publicKey = await importPublic(req.publicSpki);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: req.serialHex,
    subject: req.subject,
    issuer: caCert.subject,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    signingAlgorithm: SIGNING,
    publicKey,
    signingKey: signer.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return cert.toString('pem');
}
