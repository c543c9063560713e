export { canonicalBytes, prefixed, type CanonicalFields } from './canonical.js';
export {
  type CommandRequest,
  type CommandResponse,
  requestBytes,
  responseBytes,
  hmac,
  macRequest,
  macResponse,
  verifyRequestMac,
  verifyResponseMac,
} from './mac.js';
export {
  type Random,
  type ProofFields,
  type EphemeralKey,
  type RegistrationSecrets,
  type SealedEnvelope,
  proofBytes,
  verifyProof,
  ephemeralKey,
  sealRegistration,
  openRegistration,
  sealPassword,
  openPassword,
  parseCertificate,
  certificateChainsTo,
} from './registration.js';
