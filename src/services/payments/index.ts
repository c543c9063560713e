// Self-service funding by ACH debit (issue 14): funding requests, the daily NACHA file, settlement and returns.
export { achConfigFromEnv, DEV_ACH_ODFI, type AchConfig } from './ach-config.js';
export { requestFunding, listFunding, fundingRequestView, type FundingRequestView } from './funding-requests.js';
export { fileAch, type AchFileView } from './ach-filing.js';
export { settleDue, debitOp, eachBounded, type DebitOutcomeView } from './settlement.js';
export { applyReturnsFile, type ReturnsApplied } from './returns.js';
export { runPayments, type PaymentsRun } from './payments-run.js';
export { fundingReceipt } from './receipts.js';
export { planCatalogue, currentPlan, selectPlan, runBilling, listInvoices, invoiceDocument, type PlanView, type InvoiceView } from './billing.js';
export { CARD_CODE, cardCode, millsToCents, type CardCharge, type CardChargeRequest, type CardEvent, type CardPayments, type PaymentPort } from './port.js';
export { StripeCardPayments, stripeSettingsFromEnv, apiBase, type StripeSettings } from './stripe-card.js';
export { completeCardFunding, handleCardWebhook, sweepStrandedCards, type CardFundingResult, type CardSweepView, type WebhookOutcome } from './card-funding.js';
