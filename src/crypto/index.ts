export { seal, open, AEAD_OVERHEAD_BYTES } from './aead.js';
export { scryptKey, hkdf, constantTimeEqual, type ScryptParams } from './kdf.js';
export { sealEnvelope, openEnvelope, envelopeVersion, keyVersions, deriveVersions, MAX_KEY_VERSION, type KeyVersions } from './envelope.js';
export type { ModuleCrypto, LogBodyCrypto, IdentityPurpose, CustomerFieldPurpose, MeterKeyRef, CertificateRequest } from './module-crypto.js';
export { parseCertificate, certificateChainsTo } from './certificates.js';
export { itemIdOf, signItemBytes, verifyItemSignature, P256_RAW_SIGNATURE_BYTES } from './item-signature.js';
export { checkMeterCertificate, type CheckedCertificate } from './certificate-check.js';
export { newOfficerKeyPair, sealOfficerKey, openOfficerKey, signP1363, type SealedOfficerKey } from './officer-key.js';
export { sha256Hex } from './digest.js';
