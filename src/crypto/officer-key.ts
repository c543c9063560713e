import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { seal, open } from './aead.js';
import { scryptKey, type ScryptParams } from './kdf.js';

// An officer's signing key: P-256, kept sealed under the officer's password (scrypt, AES-256-GCM),
// so the file alone is worth nothing. Only the officer's own tools ever hold it open.

const AAD = Buffer.from('vaultmeter/officer-key/v1', 'utf8');
const SALT_BYTES = 16;

export interface SealedOfficerKey {
  readonly kdf: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** base64 */
  readonly salt: string;
  /** base64: the sealed PKCS#8 private key */
  readonly sealed: string;
}

export function newOfficerKeyPair(): { privatePkcs8: Buffer; publicSpki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }), publicSpki: publicKey.export({ type: 'spki', format: 'der' }) };
}

export async function sealOfficerKey(privatePkcs8: Buffer, password: string, params: ScryptParams): Promise<SealedOfficerKey> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptKey(password, salt, params);
  return { kdf: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), sealed: seal(key, privatePkcs8, AAD).toString('base64') };
}

/** The private key, or null when the password is wrong or the file was altered. */
export async function openOfficerKey(s: SealedOfficerKey, password: string, maxmem: number): Promise<KeyObject | null> {
  if (s.kdf !== 'scrypt' || ![s.N, s.r, s.p].every((n) => Number.isSafeInteger(n) && n > 0)) return null;
  const key = await scryptKey(password, Buffer.from(s.salt, 'base64'), { N: s.N, r: s.r, p: s.p, maxmem });
  const pkcs8 = open(key, Buffer.from(s.sealed, 'base64'), AAD);
  return pkcs8 ? createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) : null;
}

/** ECDSA P-256 over SHA-256 in IEEE P1363 form (r | s), as WebCrypto signs. */
export function signP1363(key: KeyObject, bytes: Uint8Array): Buffer {
  return sign('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' });
}
