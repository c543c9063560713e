export { type Registers, ZERO_REGISTERS, assertRegisters, credit, debit, registersToJson } from './registers.js';
export {
  type MeterPackage,
  type MeterState,
  type PasswordVerifier,
  type PendingRegistration,
  type SpentNonce,
  METER_STATES,
  encodePackage,
  decodePackage,
} from './package.js';
export {
  type ClientView,
  requireOperational,
  checkClientView,
  applyFund,
  applyTestFund,
  refuseSandbox,
  applyUnlock,
  applyRevoke,
  spendOfficerNonce,
  applyPrint,
  applyRefund,
  applyWithdraw,
  applyFundingRequest,
  applySettlement,
  applyDebitReturn,
  applyDebitCancel,
  acknowledgeCredits,
  recordFailedLogin,
  recordGoodLogin,
  rotatePassword,
} from './rules.js';
export { type RefundedItem, type RefundMemory, NO_REFUNDS, checkRefundable, rememberRefund } from './refunds.js';
export {
  type DebitLimits,
  type DebitMemory,
  type PendingDebit,
  type SettledDebit,
  type ReturnOutcome,
  type FundingMethod,
  FUNDING_METHODS,
  NO_DEBITS,
  requestDebit,
  settleDebit,
  returnDebit,
  cancelDebit,
} from './debits.js';
export { type Closure, applyPasswordReset, applyAdjustment, applyClose } from './care.js';
