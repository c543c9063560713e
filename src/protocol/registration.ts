import { createECDH, verify, X509Certificate } from 'node:crypto';
import { open, seal } from '../crypto/aead.js';
import { hkdf } from '../crypto/kdf.js';
import { canonicalBytes } from './canonical.js';

// Registration (the patent's registration state, FIG. 7):
// 1. the client sends a random nonce; the module answers with an ephemeral P-256 ECDH key and a
//    signature by its certified identity key over (meter, nonce, ephemeral key);
// 2. the client checks that signature against the pinned installation CA, then seals its new
//    client MAC key and password to the ephemeral key (ECDH + HKDF-SHA-256 + AES-256-GCM).
// The server relays both messages but can read neither secret.

export const PROOF_DOMAIN = 'vaultmeter/registration-proof/v1';
const ENVELOPE_INFO = 'vaultmeter/registration-envelope/v1';
const LOGIN_INFO = 'vaultmeter/login-password/v1';
const CURVE = 'prime256v1';

export type Random = (bytes: number) => Buffer;

export interface ProofFields {
  readonly meterId: string;
  readonly clientNonce: Buffer;
  readonly ephemeralPublicKey: Buffer;
  readonly moduleSerial: string;
  readonly meterCertSerialHex: string;
}

export function proofBytes(f: ProofFields): Buffer {
  return canonicalBytes(PROOF_DOMAIN, {
    meterId: f.meterId,
    clientNonce: f.clientNonce.toString('hex'),
    ephemeralPublicKey: f.ephemeralPublicKey.toString('hex'),
    moduleSerial: f.moduleSerial,
    meterCertSerialHex: f.meterCertSerialHex,
  });
}

/** Client side: is this proof signed by the key in this (already chain-checked) module certificate? */
export function verifyProof(moduleCert: X509Certificate, f: ProofFields, signatureDer: Buffer): boolean {
  return verify('sha256', proofBytes(f), moduleCert.publicKey, signatureDer);
}

export interface EphemeralKey {
  readonly privateKey: Buffer;
  /** Uncompressed SEC1 point, 65 bytes. */
  readonly publicKey: Buffer;
}

export function ephemeralKey(random: Random): EphemeralKey {
  const ecdh = createECDH(CURVE);
  ecdh.setPrivateKey(random(32));
  return { privateKey: ecdh.getPrivateKey(), publicKey: ecdh.getPublicKey() };
}

function envelopeKey(ownPrivate: Buffer, peerPublic: Buffer, clientNonce: Buffer, meterId: string): Buffer {
  const ecdh = createECDH(CURVE);
  ecdh.setPrivateKey(ownPrivate);
  const shared = ecdh.computeSecret(peerPublic);
  return hkdf(shared, clientNonce, `${ENVELOPE_INFO}|${meterId}`);
}

function envelopeAad(meterId: string, clientPublic: Buffer): Buffer {
  return canonicalBytes(ENVELOPE_INFO, { meterId, clientPublicKey: clientPublic.toString('hex') });
}

export interface RegistrationSecrets {
  readonly macKey: Buffer;
  readonly password: string;
}

export interface SealedEnvelope {
  readonly clientPublicKey: Buffer;
  readonly sealed: Buffer;
}

/** Client side: seal the new client MAC key and the password to the module's ephemeral key. */
export function sealRegistration(
  meterId: string,
  clientNonce: Buffer,
  modulePublic: Buffer,
  secrets: RegistrationSecrets,
  random: Random,
): SealedEnvelope {
  const own = ephemeralKey(random);
  const key = envelopeKey(own.privateKey, modulePublic, clientNonce, meterId);
  const body = Buffer.from(JSON.stringify({ macKey: secrets.macKey.toString('base64'), password: secrets.password }));
  return { clientPublicKey: own.publicKey, sealed: seal(key, body, envelopeAad(meterId, own.publicKey), random(12)) };
}

/** Module side: returns null when the envelope does not open (wrong key, tampered, other meter). */
export function openRegistration(
  meterId: string,
  clientNonce: Buffer,
  modulePrivate: Buffer,
  envelope: SealedEnvelope,
): RegistrationSecrets | null {
  let key: Buffer;
  try {
    key = envelopeKey(modulePrivate, envelope.clientPublicKey, clientNonce, meterId);
  } catch {
    return null; // not a point on the curve
  }
  const body = open(key, envelope.sealed, envelopeAad(meterId, envelope.clientPublicKey));
  if (!body) return null;
  try {
    const d = JSON.parse(body.toString('utf8')) as { macKey?: unknown; password?: unknown };
    if (typeof d.macKey !== 'string' || typeof d.password !== 'string') return null;
    const macKey = Buffer.from(d.macKey, 'base64');
    return macKey.length === 32 ? { macKey, password: d.password } : null;
  } catch {
    return null;
  }
}

/** Login and password change: the password travels sealed under a key only client and module share. */
export function sealPassword(macKey: Buffer, challenge: Buffer, meterId: string, password: string, random: Random): Buffer {
  return seal(hkdf(macKey, challenge, LOGIN_INFO), Buffer.from(password, 'utf8'), Buffer.from(meterId), random(12));
}

export function openPassword(macKey: Buffer, challenge: Buffer, meterId: string, sealed: Buffer): string | null {
  const body = open(hkdf(macKey, challenge, LOGIN_INFO), sealed, Buffer.from(meterId));
  return body ? body.toString('utf8') : null;
}

/** Parse a PEM certificate; null when it is not one. */
export function parseCertificate(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/**
 * Is `cert` issued by `ca`, signed by its key and valid at `now`? Node's X509Certificate does no path
 * validation by itself, so each step is checked here.
 */
export function certificateChainsTo(cert: X509Certificate, ca: X509Certificate, now: Date): boolean {
  if (!ca.ca || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  const t = now.getTime();
  return Date.parse(cert.validFrom) <= t && t <= Date.parse(cert.validTo) && Date.parse(ca.validFrom) <= t && t <= Date.parse(ca.validTo);
}
