// The client SDK: the customer's side of the protocol over HTTP. Browser-portable: no node: import;
// crypto through ClientCrypto (WebCrypto by default), the profile through a ProfileStore.
export { MeterClient, type Balance, type PrintRequest, type PrintedItem, type ClientOptions, type MeterLicense } from './meter-client.js';
export { ApiError, callApi, type HttpOptions } from './http.js';
export type { ClientCrypto, EcdhKey } from './crypto.js';
export { webClientCrypto, derToP1363 } from './web-crypto.js';
export { macRequest, verifyResponseMac, verifyProof, sealRegistration, sealPassword, openResetPassword, constantTimeEqual } from './client-protocol.js';
export { ProfileError, type ProfileStore, type ClientProfile, type ProfilePublic, type ProfileState } from './profile-store.js';
export { quoteRates, rateTables, rateQueryString, type RateQuery, type RateQuoteAnswer, type QuotedPrice, type RateTableInfo } from './rates.js';
export { verifyAddressAt } from './addresses.js';
export type { AddressQuery, AddressVerification, AddressSuggestion, LabelAddress } from '../address/index.js';
export {
  itemsPage,
  transactionsPage,
  everyRow,
  fetchCsv,
  itemsPath,
  transactionsPath,
  type ListingQuery,
  type ItemQuery,
  type HistoryItem,
  type Transaction,
  type ItemsPage,
  type TransactionsPage,
} from './history.js';
export { addBankAccount, listBankAccounts, removeBankAccount, type BankAccount, type BankAccountInput, type BankAccountType } from './bank-accounts.js';
export { fetchProfile, putProfile, verifyEmailToken, type CustomerProfile, type CustomerProfileInput, type CustomerAddress } from './customer-profile.js';
export { pricingPlans, fetchPlan, choosePlan, fetchInvoices, invoicePdfOf, type PlanInfo, type InvoiceInfo } from './billing.js';
export { fundingReceipt, fundingRequests, type FundingRequestInfo, type CardFunded, type FundingRequested, type FundingStatus } from './funding.js';
export { listApiKeys, revokeApiKey, drawApiKey, type ApiKeyInfo, type ApiKeyRequest, type ApiKeyScope, type CreatedApiKey } from './api-keys.js';
export { listMembers, drawInvitation, type Invitation, type InvitationRequest, type MemberInfo, type MemberRole } from './members.js';
