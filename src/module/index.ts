export { MeterEngine, registersOf, type EngineDeps, type RegistersBefore } from './engine.js';
export { SoftwareModuleCrypto, SoftwareLogKeys, SoftwareCheckpointKeys } from './software-crypto.js';
export { SERVER_REFUSALS, isServerRefusal, type ServerRefusal } from './refusal.js';
export { validateArgs, validateBatchOp, isModuleOp } from './op-args.js';
export { ModuleConnection, ModulePool } from './client.js';
export { runModule, type RunModuleOptions } from './main.js';
export { createAuthority, issueCertificate, caSigner, newCertSerialHex, type Authority, type CaSigner } from './certificates.js';
export { newDomainKeys, rotateDomainKey, readKeystore, writeKeystore, KeystoreError, type Keystore, type DomainKeys, type ModuleIdentity } from './keystore.js';
export { sealPackage, openPackage, packageAad } from './sealing.js';
export { encodeFrame, FrameDecoder } from './framing.js';
export * from './messages.js';
export { decodeCheckpointRecord, checkpointToJson, type Checkpoint } from './checkpoint.js';
export { Ring, MIN_RING_SIZE, MAX_RING_SIZE } from './ring.js';
export { backupManifestBytes } from './log-vault.js';
export {
  hmac,
  macRequest,
  macResponse,
  verifyRequestMac,
  verifyResponseMac,
  verifyProof,
  ephemeralKey,
  sealRegistration,
  openRegistration,
  sealPassword,
  openPassword,
} from './protocol-crypto.js';
export { publicKeyDigest } from './officer-desk.js';
export { BankDesk, bankAccountAad, achFileStatement, type BankAccountBinding } from './bank-desk.js';
export { RateStore, ratesDirOf } from './rate-store.js';
