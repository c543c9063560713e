import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { MODULE_KEY_CACHE_SIZE } from '../constants.js';
import {
  open,
  seal,
  deriveVersions,
  openEnvelope,
  sealEnvelope,
  type KeyVersions,
  constantTimeEqual,
  hkdf,
  type CertificateRequest,
  type CustomerFieldPurpose,
  type IdentityPurpose,
  type MeterKeyRef,
  type ModuleCrypto,
} from '../crypto/index.js';
import { fail } from '../errors.js';
import { signItemBytes } from '../crypto/index.js';
import { bodyKey } from '../ledger/index.js';
import { caSigner, issueCertificate, type CaSigner } from './certificates.js';
import type { Keystore } from './keystore.js';

// The software backend of the ModuleCrypto port: the keystore's keys in this process's memory.
// Derived keys are computed once per version (and per log id), so the hot path costs what it did
// before the port: one AES-GCM or HMAC or ECDSA operation per call.

const KEY_WRAP_INFO = 'vaultmeter/meter-key-wrap/v1';
const RING_KEY_INFO = 'vaultmeter/ring/v1';
const BACKUP_KEY_INFO = 'vaultmeter/backup/v1';
const EMPTY = Buffer.alloc(0);
/** One subkey per customer-field purpose: a bank account's key opens nothing else, nor the reverse. */
const customerFieldInfo = (purpose: CustomerFieldPurpose): string => `vaultmeter/customer-field/${purpose}/v1`;

/** Log-key work on its own (body and backup sealing): what a log vault in software needs. */
export class SoftwareLogKeys {
  private readonly bodyKeys = new Map<string, KeyVersions>();

  constructor(private readonly logKeys: KeyVersions) {}

  private bodyKeysOf(logId: string): KeyVersions {
    let kv = this.bodyKeys.get(logId);
    if (!kv) {
      kv = deriveVersions(this.logKeys, (k) => bodyKey(k, logId));
      this.bodyKeys.set(logId, kv);
    }
    return kv;
  }

  async sealLogBody(logId: string, header: Uint8Array, plain: Uint8Array): Promise<Buffer> {
    return sealEnvelope(this.bodyKeysOf(logId), plain, header);
  }

  async openLogBody(logId: string, header: Uint8Array, sealed: Uint8Array): Promise<Buffer | null> {
    return openEnvelope(this.bodyKeysOf(logId), sealed, header);
  }

  private backupKeys(backupId: string): KeyVersions {
    return deriveVersions(this.logKeys, (k) => hkdf(k, Buffer.from(backupId), BACKUP_KEY_INFO));
  }

  async sealBackupChunk(backupId: string, aad: Uint8Array, plain: Uint8Array): Promise<Buffer> {
    return sealEnvelope(this.backupKeys(backupId), plain, aad);
  }

  async openBackupChunk(backupId: string, aad: Uint8Array, sealed: Uint8Array): Promise<Buffer | null> {
    return openEnvelope(this.backupKeys(backupId), sealed, aad);
  }
}

/** Checkpoint-key work on its own (MACs and the ring file's seal): what a ring in software needs. */
export class SoftwareCheckpointKeys {
  private readonly ringKey: Buffer;

  constructor(
    private readonly checkpointKey: Buffer,
    serial: string,
  ) {
    this.ringKey = hkdf(checkpointKey, Buffer.from(serial), RING_KEY_INFO);
  }

  async macCheckpoint(record: Uint8Array): Promise<Buffer> {
    return this.mac(record);
  }

  async verifyCheckpoint(record: Uint8Array, mac: Uint8Array): Promise<boolean> {
    return constantTimeEqual(this.mac(record), mac);
  }

  private mac(record: Uint8Array): Buffer {
    return createHmac('sha256', this.checkpointKey).update(record).digest();
  }

  async sealRing(plain: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    return seal(this.ringKey, plain, aad);
  }

  async openRing(sealed: Uint8Array, aad: Uint8Array): Promise<Buffer | null> {
    return open(this.ringKey, sealed, aad);
  }
}

export class SoftwareModuleCrypto extends SoftwareLogKeys implements ModuleCrypto {
  readonly serial: string;
  readonly certPem: string;
  readonly caCertPem: string;
  private readonly packageKeys: KeyVersions;
  private readonly wrapKeys: KeyVersions;
  private readonly fieldKeys = new Map<CustomerFieldPurpose, KeyVersions>();
  private readonly checkpoints: SoftwareCheckpointKeys;
  private readonly identityKey: KeyObject;
  private readonly caPrivatePkcs8: Buffer;
  private ca?: Promise<CaSigner>;
  /** Parsing PKCS#8 costs more than a signature: unwrapped meter keys stay here, bounded. */
  private readonly meterKeys = new Map<string, KeyObject>();

  constructor(ks: Keystore) {
    super(ks.domain.logKeys);
    this.serial = ks.identity.serial;
    this.certPem = ks.identity.certPem;
    this.caCertPem = ks.domain.caCertPem;
    this.packageKeys = ks.domain.packageKeys;
    this.wrapKeys = deriveVersions(ks.domain.packageKeys, (k) => hkdf(k, EMPTY, KEY_WRAP_INFO));
    this.checkpoints = new SoftwareCheckpointKeys(ks.domain.checkpointKey, this.serial);
    this.identityKey = createPrivateKey({ key: ks.identity.privatePkcs8, format: 'der', type: 'pkcs8' });
    this.caPrivatePkcs8 = ks.domain.caPrivatePkcs8;
  }

  random(bytes: number): Buffer {
    return randomBytes(bytes);
  }

  async sealPackage(plain: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    return sealEnvelope(this.packageKeys, plain, aad);
  }

  async openPackage(sealed: Uint8Array, aad: Uint8Array): Promise<Buffer | null> {
    return openEnvelope(this.packageKeys, sealed, aad);
  }

  private fieldKeysOf(purpose: CustomerFieldPurpose): KeyVersions {
    let kv = this.fieldKeys.get(purpose);
    if (!kv) {
      // Versioned like the package key it derives from: a rotated package key seals new fields,
      // and fields sealed under an older version still open.
      kv = deriveVersions(this.packageKeys, (k) => hkdf(k, EMPTY, customerFieldInfo(purpose)));
      this.fieldKeys.set(purpose, kv);
    }
    return kv;
  }

  async sealCustomerField(purpose: CustomerFieldPurpose, aad: Uint8Array, plain: Uint8Array): Promise<Buffer> {
    return sealEnvelope(this.fieldKeysOf(purpose), plain, aad);
  }

  async openCustomerField(purpose: CustomerFieldPurpose, aad: Uint8Array, sealed: Uint8Array): Promise<Buffer | null> {
    return openEnvelope(this.fieldKeysOf(purpose), sealed, aad);
  }

  async newMeterKey(meterId: string): Promise<{ wrapped: Buffer; publicSpki: Buffer }> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    return { wrapped: sealEnvelope(this.wrapKeys, pkcs8, Buffer.from(meterId)), publicSpki: publicKey.export({ type: 'spki', format: 'der' }) };
  }

  async signItem(key: MeterKeyRef, signedBytes: Uint8Array): Promise<Buffer> {
    return signItemBytes(signedBytes, this.meterKey(key));
  }

  async meterPublicKey(key: MeterKeyRef): Promise<KeyObject> {
    return createPublicKey(this.meterKey(key));
  }

  async issueCertificate(req: CertificateRequest): Promise<string> {
    this.ca ??= caSigner({ certPem: this.caCertPem, privatePkcs8: this.caPrivatePkcs8 });
    return issueCertificate(await this.ca, { ...req, publicSpki: Buffer.from(req.publicSpki) });
  }

  async signAsModule(_purpose: IdentityPurpose, message: Uint8Array): Promise<Buffer> {
    // Every purpose signs canonical bytes under its own domain tag: one key serves them all safely.
    return sign('sha256', message, this.identityKey);
  }

  macCheckpoint(record: Uint8Array): Promise<Buffer> {
    return this.checkpoints.macCheckpoint(record);
  }

  verifyCheckpoint(record: Uint8Array, mac: Uint8Array): Promise<boolean> {
    return this.checkpoints.verifyCheckpoint(record, mac);
  }

  sealRing(plain: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    return this.checkpoints.sealRing(plain, aad);
  }

  openRing(sealed: Uint8Array, aad: Uint8Array): Promise<Buffer | null> {
    return this.checkpoints.openRing(sealed, aad);
  }

  private meterKey(ref: MeterKeyRef): KeyObject {
    const wrapped = Buffer.from(ref.wrapped);
    const cacheKey = `${ref.meterId}:${wrapped.toString('base64')}`;
    const hit = this.meterKeys.get(cacheKey);
    if (hit) return hit;
    const pkcs8 = openEnvelope(this.wrapKeys, wrapped, Buffer.from(ref.meterId));
    if (!pkcs8) fail('package_tampered', "the meter's signing key does not unwrap");
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    if (this.meterKeys.size >= MODULE_KEY_CACHE_SIZE) this.meterKeys.delete(this.meterKeys.keys().next().value!);
    this.meterKeys.set(cacheKey, key);
    return key;
  }
}
