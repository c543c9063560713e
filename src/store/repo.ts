// Every repository, for callers that use several table groups.
export * from './meters-repo.js';
export * from './customers-repo.js';
export * from './items-repo.js';
export * from './idempotency-repo.js';
export * from './officers-repo.js';
export * from './modules-repo.js';
export * from './support-repo.js';
export * from './rates-repo.js';
export * from './profiles-repo.js';
export * from './funding-repo.js';
export * from './bank-accounts-repo.js';
export * from './api-keys-repo.js';
export * from './care-repo.js';
export * from './billing-repo.js';
export * from './members-repo.js';
export * from './licenses-repo.js';
