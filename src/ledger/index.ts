export {
  EFFECTS_VERSION,
  EFFECT_SCHEMAS,
  EFFECT_KINDS,
  SERVER_DECLARED,
  ProfileAddressSchema,
  APPROVAL_ACTIONS,
  type ApprovalAction,
  type ProfileAddress,
  type EffectKind,
  type EffectOf,
  type LedgerEffect,
  type EffectPlace,
} from './effects.js';
export { effectsOf, type EffectArgs, type EffectResult, type EffectOp, type PackageRef } from './derive.js';
export { checkEffect, checkDeclaredEffects, EffectError } from './validate.js';
export * from './record.js';
export * from './head.js';
export * from './chain.js';
export * from './segment.js';
export * from './verify-log.js';
export * from './backup-format.js';
export * from './provider-report-format.js';
export * from './provider-report-fold.js';
export * from './provider-report-check.js';
