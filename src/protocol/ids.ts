// The shapes of the ids the wire carries, defined once: a lowercase UUID (meters, bank accounts,
// API keys) and 32 lowercase hex characters (funding request ids, item ids).
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const HEX32 = /^[0-9a-f]{32}$/;
