export { seal, open, AEAD_OVERHEAD_BYTES } from './aead.js';
export { scryptKey, hkdf, constantTimeEqual, type ScryptParams } from './kdf.js';
export { parseCertificate, certificateChainsTo } from './certificates.js';
