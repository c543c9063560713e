import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KEYSTORE_SCRYPT } from '../constants.js';
import { open, seal } from '../crypto/aead.js';
import { scryptKey } from '../crypto/kdf.js';
import { canonicalBytes } from '../protocol/canonical.js';
import { writeFileAtomic } from '../runtime/files.js';

/** Keys every module of one installation shares (the patent's security domain). */
export interface DomainKeys {
  readonly packageKey: Buffer;
  readonly checkpointKey: Buffer;
  readonly logKey: Buffer;
  readonly caPrivatePkcs8: Buffer;
  readonly caCertPem: string;
}

export interface ModuleIdentity {
  readonly serial: string;
  readonly privatePkcs8: Buffer;
  readonly certPem: string;
}

export interface Keystore {
  readonly domain: DomainKeys;
  readonly identity: ModuleIdentity;
}

const FORMAT = 'vaultmeter-keystore/1';

interface KeystoreFile {
  format: string;
  moduleSerial: string;
  kdf: { alg: 'scrypt'; N: number; r: number; p: number; salt: string };
  sealed: string;
}

function aad(moduleSerial: string): Buffer {
  return canonicalBytes(FORMAT, { moduleSerial });
}

export function newDomainKeys(caPrivatePkcs8: Buffer, caCertPem: string): DomainKeys {
  return { packageKey: randomBytes(32), checkpointKey: randomBytes(32), logKey: randomBytes(32), caPrivatePkcs8, caCertPem };
}

/** Seal a keystore under scrypt(passphrase) and write it atomically with mode 0600. */
export async function writeKeystore(path: string, ks: Keystore, passphrase: string): Promise<void> {
  const salt = randomBytes(16);
  const key = await scryptKey(passphrase, salt, KEYSTORE_SCRYPT);
  const b64 = (b: Buffer) => b.toString('base64');
  const body = JSON.stringify({
    domain: {
      packageKey: b64(ks.domain.packageKey),
      checkpointKey: b64(ks.domain.checkpointKey),
      logKey: b64(ks.domain.logKey),
      caPrivatePkcs8: b64(ks.domain.caPrivatePkcs8),
      caCertPem: ks.domain.caCertPem,
    },
    identity: { serial: ks.identity.serial, privatePkcs8: b64(ks.identity.privatePkcs8), certPem: ks.identity.certPem },
  });
  const file: KeystoreFile = {
    format: FORMAT,
    moduleSerial: ks.identity.serial,
    kdf: { alg: 'scrypt', N: KEYSTORE_SCRYPT.N, r: KEYSTORE_SCRYPT.r, p: KEYSTORE_SCRYPT.p, salt: b64(salt) },
    sealed: b64(seal(key, Buffer.from(body), aad(ks.identity.serial))),
  };
  await writeFileAtomic(path, JSON.stringify(file, null, 2), 0o600);
}

export class KeystoreError extends Error {}

export async function readKeystore(path: string, passphrase: string): Promise<Keystore> {
  let file: KeystoreFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8')) as KeystoreFile;
  } catch (e) {
    throw new KeystoreError(`cannot read keystore ${path}: ${(e as Error).message}`);
  }
  if (file.format !== FORMAT || file.kdf?.alg !== 'scrypt') throw new KeystoreError(`${path} is not a Vaultmeter keystore`);
  const params = { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p, maxmem: KEYSTORE_SCRYPT.maxmem };
  const key = await scryptKey(passphrase, Buffer.from(file.kdf.salt, 'base64'), params);
  const body = open(key, Buffer.from(file.sealed, 'base64'), aad(file.moduleSerial));
  if (!body) throw new KeystoreError('the passphrase is wrong or the keystore was tampered with');
  const d = JSON.parse(body.toString('utf8'));
  const buf = (s: string) => Buffer.from(s, 'base64');
  return {
    domain: {
      packageKey: buf(d.domain.packageKey),
      checkpointKey: buf(d.domain.checkpointKey),
      logKey: buf(d.domain.logKey),
      caPrivatePkcs8: buf(d.domain.caPrivatePkcs8),
      caCertPem: d.domain.caCertPem,
    },
    identity: { serial: d.identity.serial, privatePkcs8: buf(d.identity.privatePkcs8), certPem: d.identity.certPem },
  };
}
