// The edges every layer may use: files written atomically, and the ship-target contract.
export * from './files.js';
export { checkShipBytes, checkShipKey, checkShipPrefix, ShipTargetError, sortKeys, TEMP_FILE, show as showText, type ShipTarget } from './ship-target.js';
