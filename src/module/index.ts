export { MeterEngine, type EngineDeps } from './engine.js';
export { ModuleConnection, ModulePool } from './client.js';
export { runModule, type RunModuleOptions } from './main.js';
export { createAuthority, issueCertificate, newCertSerialHex, type Authority } from './certificates.js';
export { newDomainKeys, readKeystore, writeKeystore, KeystoreError, type Keystore, type DomainKeys, type ModuleIdentity } from './keystore.js';
export { sealPackage, openPackage, packageAad } from './sealing.js';
export { encodeFrame, FrameDecoder } from './framing.js';
export * from './messages.js';
