import {
  envelopeAad,
  envelopeBody,
  envelopeInfo,
  LOGIN_INFO,
  RESET_INFO,
  passwordAad,
  proofBytes,
  requestBytes,
  responseBytesOrNull,
  type CommandRequest,
  type CommandResponse,
  type ProofFields,
  type RegistrationSecrets,
  type SealedEnvelope,
} from '../protocol/index.js';
import type { ClientCrypto } from './crypto.js';

// The customer's side of registration and of the FIG. 7 challenge/HMAC protocol, on ClientCrypto.

const IV_BYTES = 12;
const KEY_BYTES = 32;
const utf8 = (s: string) => new TextEncoder().encode(s);

export async function macRequest(crypto: ClientCrypto, macKey: Uint8Array, r: CommandRequest): Promise<Buffer> {
  return Buffer.from(await crypto.hmacSha256(macKey, requestBytes(r)));
}

/** False, never an exception, when the MAC is wrong or the response has no canonical bytes. */
export async function verifyResponseMac(crypto: ClientCrypto, macKey: Uint8Array, r: CommandResponse, mac: Uint8Array): Promise<boolean> {
  const bytes = responseBytesOrNull(r);
  return bytes !== null && constantTimeEqual(await crypto.hmacSha256(macKey, bytes), mac);
}

/** Is this proof signed by the key in this (already chain-checked) module certificate? */
export function verifyProof(crypto: ClientCrypto, moduleCertPem: string, f: ProofFields, signatureDer: Uint8Array): Promise<boolean> {
  return crypto.verifySignedBy(moduleCertPem, proofBytes(f), signatureDer);
}

/** Seal the new client MAC key and the password to the module's ephemeral key (ECDH + HKDF + AES-GCM). */
export async function sealRegistration(
  crypto: ClientCrypto,
  meterId: string,
  clientNonce: Buffer,
  modulePublic: Buffer,
  secrets: RegistrationSecrets,
): Promise<SealedEnvelope> {
  const own = await crypto.ecdhP256();
  const key = await crypto.hkdfSha256(await own.sharedSecret(modulePublic), clientNonce, utf8(envelopeInfo(meterId)), KEY_BYTES);
  const clientPublicKey = Buffer.from(own.publicKey);
  const sealed = await crypto.aesGcmSeal(key, envelopeBody(secrets), envelopeAad(meterId, clientPublicKey), await crypto.randomBytes(IV_BYTES));
  return { clientPublicKey, sealed: Buffer.from(sealed) };
}

/** Login and password change: the password sealed under a key only client and module share. */
export async function sealPassword(crypto: ClientCrypto, macKey: Uint8Array, challenge: Uint8Array, meterId: string, password: string): Promise<Buffer> {
  const key = await crypto.hkdfSha256(macKey, challenge, utf8(LOGIN_INFO), KEY_BYTES);
  return Buffer.from(await crypto.aesGcmSeal(key, utf8(password), passwordAad(meterId), await crypto.randomBytes(IV_BYTES)));
}

/** The password a module drew in a dual-control reset, opened with the client MAC key; null if it does not open. */
export async function openResetPassword(
  crypto: ClientCrypto,
  macKey: Uint8Array,
  nonce: Uint8Array,
  meterId: string,
  sealed: Uint8Array,
): Promise<string | null> {
  const key = await crypto.hkdfSha256(macKey, nonce, utf8(RESET_INFO), KEY_BYTES);
  const body = await crypto.aesGcmOpen(key, sealed, passwordAad(meterId));
  return body ? new TextDecoder('utf-8', { fatal: true }).decode(body) : null;
}

/** Time independent of where the first difference is. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
