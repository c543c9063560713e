// The edges every layer may use: files written atomically, the ship-target contract, and keeping secrets out of children's environments.
export * from './files.js';
export { checkShipBytes, checkShipKey, checkShipPrefix, ShipTargetError, sortKeys, TEMP_FILE, show as showText, type ShipTarget } from './ship-target.js';
export { isSecretEnvName, pickEnv, withoutSecrets, withSecretsHidden } from './secret-env.js';
