import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KEYSTORE_SCRYPT } from '../constants.js';
import { open, seal, keyVersions, MAX_KEY_VERSION, type KeyVersions, scryptKey } from '../crypto/index.js';
import { canonicalBytes } from '../protocol/index.js';
import { writeFileAtomic } from '../platform/index.js';

/**
 * Keys every module of one installation shares (the patent's security domain). The package and log
 * keys are versioned: the current version seals, every version held opens (key rotation).
 */
export interface DomainKeys {
  readonly packageKeys: KeyVersions;
  readonly checkpointKey: Buffer;
  readonly logKeys: KeyVersions;
  readonly caPrivatePkcs8: Buffer;
  readonly caCertPem: string;
  /**
   * Postage is priced by installed rate tables (docs/RATES.md): set at init when tables are
   * installed, sealed with the keys, so a module whose rate directory is lost refuses postage
   * (`no_rate_table`) instead of printing it at any amount. Absent in older keystores: unrated.
   */
  readonly ratedPostage?: boolean;
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

// Format 2 holds key versions; format 1 (one key each) still reads, as version 1.
const FORMAT = 'vaultmeter-keystore/2';
const FORMAT_V1 = 'vaultmeter-keystore/1';

interface KeystoreFile {
  format: string;
  moduleSerial: string;
  kdf: { alg: 'scrypt'; N: number; r: number; p: number; salt: string };
  sealed: string;
}

interface VersionsJson {
  current: number;
  versions: Record<string, string>;
}

function aad(format: string, moduleSerial: string): Buffer {
  return canonicalBytes(format, { moduleSerial });
}

const firstVersion = (): KeyVersions => keyVersions(new Map([[1, randomBytes(32)]]));

export function newDomainKeys(caPrivatePkcs8: Buffer, caCertPem: string, ratedPostage = false): DomainKeys {
  return { packageKeys: firstVersion(), checkpointKey: randomBytes(32), logKeys: firstVersion(), caPrivatePkcs8, caCertPem, ratedPostage };
}

/** Key rotation: a new version of the package or log key becomes current; the older ones still open. */
export function rotateDomainKey(domain: DomainKeys, which: 'packageKeys' | 'logKeys', key: Buffer = randomBytes(32)): DomainKeys {
  const kv = domain[which];
  const next = Math.max(...kv.keys.keys()) + 1;
  if (next > MAX_KEY_VERSION) throw new Error(`no key version is left after ${MAX_KEY_VERSION}`);
  return { ...domain, [which]: keyVersions(new Map([...kv.keys, [next, key]]), next) };
}

const b64 = (b: Buffer) => b.toString('base64');
const buf = (s: string) => Buffer.from(s, 'base64');

function versionsToJson(kv: KeyVersions): VersionsJson {
  return { current: kv.current, versions: Object.fromEntries([...kv.keys].map(([v, k]) => [String(v), b64(k)])) };
}

function versionsFromJson(j: VersionsJson): KeyVersions {
  return keyVersions(new Map(Object.entries(j.versions).map(([v, k]) => [Number(v), buf(k)])), j.current);
}

/** Seal a keystore under scrypt(passphrase) and write it atomically with mode 0600. */
export async function writeKeystore(path: string, ks: Keystore, passphrase: string): Promise<void> {
  const salt = randomBytes(16);
  const key = await scryptKey(passphrase, salt, KEYSTORE_SCRYPT);
  const body = JSON.stringify({
    domain: {
      packageKeys: versionsToJson(ks.domain.packageKeys),
      checkpointKey: b64(ks.domain.checkpointKey),
      logKeys: versionsToJson(ks.domain.logKeys),
      caPrivatePkcs8: b64(ks.domain.caPrivatePkcs8),
      caCertPem: ks.domain.caCertPem,
      ratedPostage: ks.domain.ratedPostage === true,
    },
    identity: { serial: ks.identity.serial, privatePkcs8: b64(ks.identity.privatePkcs8), certPem: ks.identity.certPem },
  });
  const file: KeystoreFile = {
    format: FORMAT,
    moduleSerial: ks.identity.serial,
    kdf: { alg: 'scrypt', N: KEYSTORE_SCRYPT.N, r: KEYSTORE_SCRYPT.r, p: KEYSTORE_SCRYPT.p, salt: b64(salt) },
    sealed: b64(seal(key, Buffer.from(body), aad(FORMAT, ks.identity.serial))),
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
  if ((file.format !== FORMAT && file.format !== FORMAT_V1) || file.kdf?.alg !== 'scrypt') throw new KeystoreError(`${path} is not a Vaultmeter keystore`);
  const params = { N: file.kdf.N, r: file.kdf.r, p: file.kdf.p, maxmem: KEYSTORE_SCRYPT.maxmem };
  const key = await scryptKey(passphrase, Buffer.from(file.kdf.salt, 'base64'), params);
  const body = open(key, Buffer.from(file.sealed, 'base64'), aad(file.format, file.moduleSerial));
  if (!body) throw new KeystoreError('the passphrase is wrong or the keystore was tampered with');
  const d = JSON.parse(body.toString('utf8'));
  const versioned = (j: VersionsJson | undefined, single: string | undefined) => (j ? versionsFromJson(j) : keyVersions(new Map([[1, buf(single ?? '')]])));
  return {
    domain: {
      packageKeys: versioned(d.domain.packageKeys, d.domain.packageKey),
      checkpointKey: buf(d.domain.checkpointKey),
      logKeys: versioned(d.domain.logKeys, d.domain.logKey),
      caPrivatePkcs8: buf(d.domain.caPrivatePkcs8),
      caCertPem: d.domain.caCertPem,
      ratedPostage: d.domain.ratedPostage === true,
    },
    identity: { serial: d.identity.serial, privatePkcs8: buf(d.identity.privatePkcs8), certPem: d.identity.certPem },
  };
}
