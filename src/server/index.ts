export { buildApp } from './app.js';
export { type ServerContext } from './context.js';
export { MeterPool, provisionMeter } from './meter-pool.js';
export { hashOfficerPassword, verifyOfficerPassword } from './passwords.js';
export { recoverModule } from './module-tx.js';
