import type { KeyObject } from 'node:crypto';

// The module's crypto seam. Everything a module does with a secret goes through this port; the
// rest of the module holds no key bytes. Keys are named by purpose (and, inside the backend, by
// version), never handed out, so a backend may keep them in software (software-crypto.ts) or as
// handles in a PKCS#11 token. Calls an HSM would serve are async; random bytes stay synchronous
// because the pure protocol code takes a synchronous `Random`.
//
// Not behind the port: per-meter secrets that travel inside the sealed package (the client MAC key,
// the registration's ephemeral ECDH key, password verifiers). They are package contents, opened by
// `openPackage` for the one op that uses them; the registration's ECDH runs on them in the engine.
// The module keys themselves (package, log, checkpoint, identity, CA, wrapped meter keys) never
// leave the backend.

/** What a module signs with its certified identity key: one purpose per message domain. */
export type IdentityPurpose = 'registration-proof' | 'audit-report' | 'log-head' | 'backup-manifest' | 'ach-file' | 'provider-report';

/** A customer's secret that is not a meter's (a bank account number): one key per purpose. */
/** `debit-authorization`: an empty field whose seal authenticates a funding request's terms (see module/debit-authorization.ts). */
export type CustomerFieldPurpose = 'bank-account' | 'debit-authorization' | 'tax-id';

/** A meter's signing key as its package carries it: wrapped by the module, opaque outside it. */
export interface MeterKeyRef {
  readonly meterId: string;
  readonly wrapped: Uint8Array;
}

export interface CertificateRequest {
  readonly subject: string;
  readonly publicSpki: Uint8Array;
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface ModuleCrypto {
  /** The module's serial and public certificates: public, so plain fields. */
  readonly serial: string;
  readonly certPem: string;
  readonly caCertPem: string;

  random(bytes: number): Buffer;

  /** A meter package under the domain package key (newest version); `aad` binds meter and version. */
  sealPackage(plain: Uint8Array, aad: Uint8Array): Promise<Buffer>;
  /** null when the envelope fails authentication; throws key_version_unknown for a version not held. */
  openPackage(sealed: Uint8Array, aad: Uint8Array): Promise<Buffer | null>;

  /** A fresh P-256 meter key, wrapped for its package, and its public half for the certificate. */
  newMeterKey(meterId: string): Promise<{ readonly wrapped: Buffer; readonly publicSpki: Buffer }>;
  /** ECDSA P-256 / SHA-256 over an item's signed bytes with the meter's key: raw r || s (IEEE P1363, as CKM_ECDSA gives). */
  signItem(key: MeterKeyRef, signedBytes: Uint8Array): Promise<Buffer>;
  meterPublicKey(key: MeterKeyRef): Promise<KeyObject>;
  /** An end-entity certificate from the installation CA (PEM). */
  issueCertificate(req: CertificateRequest): Promise<string>;

  /** ECDSA P-256 / SHA-256 (DER) with the module identity key. */
  signAsModule(purpose: IdentityPurpose, message: Uint8Array): Promise<Buffer>;

  /** HMAC-SHA256 of a checkpoint record under the domain checkpoint key. */
  macCheckpoint(record: Uint8Array): Promise<Buffer>;
  verifyCheckpoint(record: Uint8Array, mac: Uint8Array): Promise<boolean>;
  /** The ring file's body, under a key derived from the checkpoint key and this module's serial. */
  sealRing(plain: Uint8Array, aad: Uint8Array): Promise<Buffer>;
  openRing(sealed: Uint8Array, aad: Uint8Array): Promise<Buffer | null>;

  /** A log record body of log `logId` under the domain log key (newest version), the header as associated data. */
  sealLogBody(logId: string, header: Uint8Array, plain: Uint8Array): Promise<Buffer>;
  /** null when it fails authentication; throws key_version_unknown for a version not held. */
  openLogBody(logId: string, header: Uint8Array, sealed: Uint8Array): Promise<Buffer | null>;

  /**
   * A customer's field under a key derived from the domain package key for `purpose` (newest
   * version), `aad` binding whose field it is: a blob moved to another customer or account fails.
   */
  sealCustomerField(purpose: CustomerFieldPurpose, aad: Uint8Array, plain: Uint8Array): Promise<Buffer>;
  /** null when it fails authentication; throws key_version_unknown for a version not held. */
  openCustomerField(purpose: CustomerFieldPurpose, aad: Uint8Array, sealed: Uint8Array): Promise<Buffer | null>;

  sealBackupChunk(backupId: string, aad: Uint8Array, plain: Uint8Array): Promise<Buffer>;
  openBackupChunk(backupId: string, aad: Uint8Array, sealed: Uint8Array): Promise<Buffer | null>;
}

/** What sealing and opening log bodies needs: the chain and the log vault take no more. */
export type LogBodyCrypto = Pick<ModuleCrypto, 'sealLogBody' | 'openLogBody'>;
