export { canonicalBytes, prefixed, decodeCanonical, decodeCanonicalStrict, type CanonicalFields } from './canonical.js';
export {
  type CommandRequest,
  type CommandResponse,
  REQUEST_DOMAIN,
  RESPONSE_DOMAIN,
  requestBytes,
  responseBytes,
  requestBytesOrNull,
  responseBytesOrNull,
} from './mac.js';
export {
  type Random,
  type ProofFields,
  type EphemeralKey,
  type RegistrationSecrets,
  type SealedEnvelope,
  PROOF_DOMAIN,
  ENVELOPE_INFO,
  LOGIN_INFO,
  RESET_INFO,
  MAC_KEY_BYTES,
  proofBytes,
  envelopeInfo,
  envelopeAad,
  envelopeBody,
  parseEnvelopeBody,
  passwordAad,
} from './registration.js';
export type { ResponseWire } from './wire.js';
export {
  OFFICER_STATEMENT_DOMAIN,
  OFFICER_ACTS,
  OFFICER_ROLES,
  officerStatementBytes,
  officerSubject,
  parseOfficerSubject,
  type OfficerAct,
  type OfficerRole,
  type OfficerStatement,
  type OfficerSignature,
  type OfficerAuthorization,
} from './officer-statement.js';
export {
  API_KEY_SCOPES,
  API_KEY_PREFIX,
  API_KEY_SECRET_BYTES,
  formatApiKey,
  looksLikeApiKey,
  apiKeyIdOf,
  parseScopes,
  scopeOfOp,
  scopeAllows,
  checkApiKeyParams,
  type ApiKeyScope,
  type ApiKeyParams,
  type Scope,
} from './api-keys.js';
export { UUID, HEX32 } from './ids.js';
