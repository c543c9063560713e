// ACH debit, the built-in payment method (pure domain: no I/O, no clock, no randomness).
export { accountLast4, normalizeAccountNumber } from './account-number.js';
export { abaCheckDigit, abaChecksumOk, abaPrefixOk } from './aba.js';
export { NachaInputError, type NachaInputReason } from './nacha-error.js';
export {
  BLOCKING_FACTOR,
  FILLER_RECORD,
  RECORD_LENGTH,
  TRANSACTION_CODE,
  achText,
  amountToCents,
  buildNachaFile,
  type AccountType,
  type AchAmount,
  type AchDebitEntry,
  type NachaFileInput,
} from './nacha-build.js';
export {
  nachaLines,
  validateNachaFile,
  type NachaEntryRecord,
  type NachaProblem,
  type NachaProblemKind,
  type NachaSummary,
  type NachaValidation,
} from './nacha-validate.js';
export { RETURN_REASONS, readReturnsFile, type AchReturn, type AchReturnUnknown, type ReturnsReading } from './returns.js';
export { receiptPdf, type FundingReceipt } from './receipt.js';
export { DEFAULT_PLAN, PLAN_IDS, PRICING_PLANS, isPlanId, type PlanId, type PricingPlan } from './plans.js';
export { MONTH, draftInvoice, monthBounds, type InvoiceDraft, type InvoiceLine } from './invoice.js';
export { invoicePdf, type InvoiceDocument } from './invoice-pdf.js';
