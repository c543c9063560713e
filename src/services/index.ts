export type { ServiceContext, ShippedWait, StalePackage } from './context.js';
export { type Answer, type Remember, forget } from './answer.js';
export { runModuleCommand, recoverModule } from './commit/module-commit.js';
export { BatchAborted } from './commit/batcher.js';
export type { ModuleCommand, BatchScope } from './commit/command.js';
export {
  runMeterCommand,
  spendRefused,
  print,
  refund,
  login,
  loginChallenge,
  customerForLogin,
  type CommandInput,
  type LoginChallenge,
} from './meter-commands.js';
export { fund, audit, registeredCustomer } from './funding.js';
export { beginRegistration, completeRegistration, type Begun, type Completed } from './registration.js';
export { revokeMeter, unlockMeter, createOfficer, removeOfficer } from './operators.js';
export { requestApproval, requestCare, approve, type ApprovalAction, type Approved } from './approvals.js';
export { isCareAction, recordRefundPaid, type CareRequest, type CareDone } from './care.js';
export { customerRecord, type CustomerRecord } from './customer-record.js';
export { pendingPasswordReset, type PendingReset } from './password-reset.js';
export { verifyForPublic, redeem, type PublicVerdict, type Redeemed } from './verification.js';
export { MeterPool, provisionMeter } from './provisioning.js';
export { hashOfficerPassword, newOfficerPassword, verifyOfficerPassword } from './passwords.js';
export { sessionOf, openSession, endSession, endSessions, tokenHash, type CustomerSession } from './sessions.js';
export { logChange, logEffects, logChangeOrNote, type LoggedChange } from './logged.js';
export { haltEveryModule } from './commit/halt.js';
export { createMetrics, scrapeMetrics, type Metrics, type ScrapeSource } from './metrics.js';
export { ModuleRateBook } from './rate-book.js';
export { quoteRates, listRateTables, submitRates, type Quote, type QuoteInput } from './rates.js';
export { BuiltInAddressVerifier, zipcodesTable } from './addresses.js';
export {
  itemPage,
  transactionPage,
  everyItem,
  everyTransaction,
  countItems,
  countTransactions,
  type HistoryItem,
  type Transaction,
  type Page,
} from './history.js';
export {
  addBankAccount,
  bankAccountAnswer,
  listBankAccounts,
  removeBankAccount,
  type BankAccountInput,
  type BankAccountType,
  type BankAccountView,
} from './bank-accounts.js';
export { createApiKey, listApiKeys, revokeApiKey, type ApiKeyView } from './api-keys.js';
export { inviteMember, removeMember, listMembers, type MemberView } from './members.js';
export { accountForLogin, type LoginAccount } from './login-account.js';
export { apiKeySessionOf, forgetApiKey } from './api-key-auth.js';
export { getProfile, updateProfile, verifyEmail, type ProfileInput, type ProfileView } from './profile.js';
export { emailProblem, normalizeEmail } from './email-address.js';
export { deliverDueMail, type MailTransport, type OutgoingMail, type DeliveryPass } from './mail/delivery.js';
export { nextTryInMs, retryDelayMs, type RetryPolicy } from './mail/backoff.js';
export { listMail, type MailListing } from './mail/listing.js';
export { verificationMail } from './mail/verification-mail.js';
export { lockoutMail } from './mail/lockout-mail.js';
export { careMail } from './mail/care-mail.js';
export { lowBalanceMail } from './mail/low-balance-mail.js';
export { debitReturnedMail } from './mail/debit-returned-mail.js';
export { fundingReceiptMail } from './mail/funding-receipt-mail.js';
export { crossedBelow, lockedTheMeter } from './mail/triggers.js';
export type { Mail, MailKind } from './mail/mail.js';
export * from './payments/index.js';
export {
  runProviderReports,
  listProviderReports,
  providerReport,
  type ReportRun,
  type FiledDay,
  type FiledReport,
  type ReportView,
} from './provider-reports.js';
export { issueLicense, changeLicense, listLicenses, licenseOfMeter, type LicenseView, type LicenseAction } from './licenses.js';
export { runStaging, runDelta, loadWarehouse, stagedItem, type StagingRun, type DeltaResult, type LoadResult, type StagingProgress } from './staging.js';
export { runReport, reportCsv, reportSvg, type Report } from './dss-reports.js';
