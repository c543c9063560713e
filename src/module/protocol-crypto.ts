import { createECDH, createHmac, verify, type X509Certificate } from 'node:crypto';
import { constantTimeEqual, hkdf, open, seal } from '../crypto/index.js';
import {
  envelopeAad,
  envelopeBody,
  envelopeInfo,
  LOGIN_INFO,
  RESET_INFO,
  parseEnvelopeBody,
  passwordAad,
  proofBytes,
  requestBytes,
  requestBytesOrNull,
  responseBytes,
  responseBytesOrNull,
  type CommandRequest,
  type CommandResponse,
  type EphemeralKey,
  type ProofFields,
  type Random,
  type RegistrationSecrets,
  type SealedEnvelope,
} from '../protocol/index.js';

// The protocol's arithmetic with node:crypto, synchronous: the module's side, and the reference the
// SDK's WebCrypto side (src/sdk/crypto.ts) must match byte for byte (test/unit/sdk/web-crypto.test.ts).

const CURVE = 'prime256v1';

export function hmac(key: Uint8Array, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key).update(bytes).digest();
}

export function macRequest(macKey: Uint8Array, r: CommandRequest): Buffer {
  return hmac(macKey, requestBytes(r));
}

export function macResponse(macKey: Uint8Array, r: CommandResponse): Buffer {
  return hmac(macKey, responseBytes(r));
}

/** False, never an exception, when the MAC is wrong or the request has no canonical bytes (a lone surrogate). */
export function verifyRequestMac(macKey: Uint8Array, r: CommandRequest, mac: Uint8Array): boolean {
  const bytes = requestBytesOrNull(r);
  return constantTimeEqual(bytes ? hmac(macKey, bytes) : Buffer.alloc(0), mac);
}

export function verifyResponseMac(macKey: Uint8Array, r: CommandResponse, mac: Uint8Array): boolean {
  const bytes = responseBytesOrNull(r);
  return constantTimeEqual(bytes ? hmac(macKey, bytes) : Buffer.alloc(0), mac);
}

/** Client side: is this proof signed by the key in this (already chain-checked) module certificate? */
export function verifyProof(moduleCert: X509Certificate, f: ProofFields, signatureDer: Buffer): boolean {
  return verify('sha256', proofBytes(f), moduleCert.publicKey, signatureDer);
}

export function ephemeralKey(random: Random): EphemeralKey {
  const ecdh = createECDH(CURVE);
  ecdh.setPrivateKey(random(32));
  return { privateKey: ecdh.getPrivateKey(), publicKey: ecdh.getPublicKey() };
}

function envelopeKey(ownPrivate: Buffer, peerPublic: Buffer, clientNonce: Buffer, meterId: string): Buffer {
  const ecdh = createECDH(CURVE);
  ecdh.setPrivateKey(ownPrivate);
  return hkdf(ecdh.computeSecret(peerPublic), clientNonce, envelopeInfo(meterId));
}

/** Client side: seal the new client MAC key and the password to the module's ephemeral key. */
export function sealRegistration(meterId: string, clientNonce: Buffer, modulePublic: Buffer, secrets: RegistrationSecrets, random: Random): SealedEnvelope {
  const own = ephemeralKey(random);
  const key = envelopeKey(own.privateKey, modulePublic, clientNonce, meterId);
  return { clientPublicKey: own.publicKey, sealed: seal(key, envelopeBody(secrets), envelopeAad(meterId, own.publicKey), random(12)) };
}

/** Module side: returns null when the envelope does not open (wrong key, tampered, other meter). */
export function openRegistration(meterId: string, clientNonce: Buffer, modulePrivate: Buffer, envelope: SealedEnvelope): RegistrationSecrets | null {
  let key: Buffer;
  try {
    key = envelopeKey(modulePrivate, envelope.clientPublicKey, clientNonce, meterId);
  } catch {
    return null; // not a point on the curve
  }
  const body = open(key, envelope.sealed, envelopeAad(meterId, envelope.clientPublicKey));
  return body ? parseEnvelopeBody(body) : null;
}

/** Login and password change: the password travels sealed under a key only client and module share. */
export function sealPassword(macKey: Buffer, challenge: Buffer, meterId: string, password: string, random: Random): Buffer {
  return seal(hkdf(macKey, challenge, LOGIN_INFO), Buffer.from(password, 'utf8'), passwordAad(meterId), random(12));
}

export function openPassword(macKey: Buffer, challenge: Buffer, meterId: string, sealed: Buffer): string | null {
  const body = open(hkdf(macKey, challenge, LOGIN_INFO), sealed, passwordAad(meterId));
  return body ? body.toString('utf8') : null;
}

/**
 * A reset password for the client alone: sealed under its MAC key and a fresh nonce, so the server
 * and the database that carry it learn nothing (and without the MAC key, the password logs no one in).
 */
export function sealResetPassword(macKey: Buffer, nonce: Buffer, meterId: string, password: string, random: Random): Buffer {
  return seal(hkdf(macKey, nonce, RESET_INFO), Buffer.from(password, 'utf8'), passwordAad(meterId), random(12));
}
