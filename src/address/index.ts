// Address matching (the patent's AMS): USPS Publication 28 parsing and standardizing, and ranked
// matching of city, state and ZIP against a ZIP table given as a port. Pure: no I/O, no clock.
export {
  AddressQuery,
  StandardAddress,
  AddressIssue,
  AddressSuggestion,
  AddressVerification,
  LabelAddress,
  MATCH_TYPES,
  ISSUE_CODES,
  type MatchType,
  type IssueCode,
} from './schemas.js';
export type { AddressVerifier } from './port.js';
export { verifyAddress } from './verify.js';
export { ZipIndex, type ZipTable, type ZipPlace } from './zip-table.js';
export {
  checkDestination,
  addressCheckMode,
  oneLine,
  ADDRESS_CHECK_MODES,
  DEFAULT_ADDRESS_CHECK_MODE,
  type AddressCheckMode,
  type AddressWarning,
  type DestinationCheck,
} from './check.js';
export { parseAddress, type ParsedAddress } from './parse.js';
export { parseDeliveryLine, formatStreet, type DeliveryLine, type StreetLine } from './delivery-line.js';
export { streetSuffix } from './pub28-suffixes.js';
export { unitDesignator } from './pub28-units.js';
export { stateCode } from './states.js';
export { splitLine } from './free-text.js';
export { words } from './text.js';
