import type { ModuleCrypto } from '../crypto/index.js';
import { canonicalBytes } from '../protocol/index.js';

// A module's word that a customer asked for a debit: when a MAC'd `fund_request` is accepted, the
// module seals an empty field whose associated data are the request's terms (meter, request,
// bank account, amount). `buildAchFile` opens a bank account only for an entry carrying such a seal
// for exactly those terms, and only an account sealed for that same meter (see bank-desk.ts). So
// whoever holds the module sockets cannot turn the file builder into a reader of every stored
// account number: only accounts a customer has asked to be debited open, and only into a file.
// The envelope is the customer-field one: versioned with the package key it derives from.

const DOMAIN = 'vaultmeter/debit-authorization/v1';
const EMPTY = Buffer.alloc(0);

export interface DebitTerms {
  readonly meterId: string;
  readonly requestId: string;
  readonly bankAccountId: string;
  readonly amountMills: string;
}

const aadOf = (t: DebitTerms): Buffer =>
  canonicalBytes(DOMAIN, { meterId: t.meterId, requestId: t.requestId, bankAccountId: t.bankAccountId, amountMills: t.amountMills });

type FieldCrypto = Pick<ModuleCrypto, 'sealCustomerField' | 'openCustomerField'>;

export async function authorizeDebit(crypto: FieldCrypto, t: DebitTerms): Promise<string> {
  return (await crypto.sealCustomerField('debit-authorization', aadOf(t), EMPTY)).toString('base64');
}

export async function debitAuthorized(crypto: FieldCrypto, t: DebitTerms, authorization: string): Promise<boolean> {
  return (await crypto.openCustomerField('debit-authorization', aadOf(t), Buffer.from(authorization, 'base64'))) !== null;
}
