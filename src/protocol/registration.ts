import { canonicalBytes } from './canonical.js';

// Registration (the patent's registration state, FIG. 7):
// 1. the client sends a random nonce; the module answers with an ephemeral P-256 ECDH key and a
//    signature by its certified identity key over (meter, nonce, ephemeral key);
// 2. the client checks that signature against the pinned installation CA, then seals its new
//    client MAC key and password to the ephemeral key (ECDH + HKDF-SHA-256 + AES-256-GCM).
// The server relays both messages but can read neither secret.
// This file holds the bytes and names of each step; each side's crypto does the arithmetic.

export const PROOF_DOMAIN = 'vaultmeter/registration-proof/v1';
export const ENVELOPE_INFO = 'vaultmeter/registration-envelope/v1';
export const LOGIN_INFO = 'vaultmeter/login-password/v1';
/** A password a module drew in a dual-control reset, sealed to the customer's client MAC key. */
export const RESET_INFO = 'vaultmeter/reset-password/v1';
export const MAC_KEY_BYTES = 32;

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

export interface EphemeralKey {
  readonly privateKey: Buffer;
  /** Uncompressed SEC1 point, 65 bytes. */
  readonly publicKey: Buffer;
}

export interface RegistrationSecrets {
  readonly macKey: Buffer;
  readonly password: string;
  /** Test mode: the client's own word, sealed so that only the module reads it (absent: false). */
  readonly sandbox?: boolean;
  /** A member accepting an invitation: its name and the code the owner's client drew (see members.ts). */
  readonly invitation?: { readonly member: string; readonly code: string };
}

export interface SealedEnvelope {
  readonly clientPublicKey: Buffer;
  readonly sealed: Buffer;
}

/** HKDF info of the envelope key: bound to the meter. */
export function envelopeInfo(meterId: string): string {
  return `${ENVELOPE_INFO}|${meterId}`;
}

export function envelopeAad(meterId: string, clientPublic: Buffer): Buffer {
  return canonicalBytes(ENVELOPE_INFO, { meterId, clientPublicKey: clientPublic.toString('hex') });
}

export function envelopeBody(secrets: RegistrationSecrets): Buffer {
  const sandbox = secrets.sandbox === true ? { sandbox: true } : {};
  const invitation = secrets.invitation ? { invitation: { member: secrets.invitation.member, code: secrets.invitation.code } } : {};
  return Buffer.from(JSON.stringify({ macKey: secrets.macKey.toString('base64'), password: secrets.password, ...sandbox, ...invitation }));
}

function parseInvitation(v: unknown): RegistrationSecrets['invitation'] | null {
  const o = v as { member?: unknown; code?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.member !== 'string' || typeof o.code !== 'string') return null;
  return { member: o.member, code: o.code };
}

/** The secrets in an opened envelope; null when the body is not one. */
export function parseEnvelopeBody(body: Buffer): RegistrationSecrets | null {
  try {
    const d = JSON.parse(body.toString('utf8')) as { macKey?: unknown; password?: unknown; sandbox?: unknown; invitation?: unknown };
    if (typeof d.macKey !== 'string' || typeof d.password !== 'string') return null;
    if (d.sandbox !== undefined && typeof d.sandbox !== 'boolean') return null;
    const invitation = d.invitation === undefined ? undefined : parseInvitation(d.invitation);
    if (invitation === null) return null;
    const macKey = Buffer.from(d.macKey, 'base64');
    if (macKey.length !== MAC_KEY_BYTES) return null;
    return { macKey, password: d.password, ...(d.sandbox === true ? { sandbox: true } : {}), ...(invitation ? { invitation } : {}) };
  } catch {
    return null;
  }
}

/** The associated data of a sealed password (login, password change). */
export function passwordAad(meterId: string): Buffer {
  return Buffer.from(meterId);
}
