// The shapes of the ids the wire carries, defined once: a lowercase UUID (meters, bank accounts,
// API keys) and 32 lowercase hex characters (funding request ids, item ids).
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const HEX32 = /^[0-9a-f]{32}$/;
/** A meter license number, VM-<year>-<8 uppercase hex> (issue 18): the pattern as text, for schemas too. */
export const LICENSE_NUMBER_PATTERN = '^VM-[0-9]{4}-[0-9A-F]{8}$';
export const LICENSE_NUMBER = new RegExp(LICENSE_NUMBER_PATTERN);
