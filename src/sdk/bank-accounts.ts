import { callApi } from './http.js';
import type { MeterClient } from './meter-client.js';

// The customer's bank accounts for ACH debits over HTTP, with the session of a MeterClient. The
// account number is sent once, when the account is added; nothing ever answers it back but its
// last four characters.

export type BankAccountType = 'checking' | 'savings';

export interface BankAccountInput {
  routingNumber: string;
  accountNumber: string;
  accountType: BankAccountType;
  holderName: string;
}

export interface BankAccount {
  bankAccountId: string;
  routingNumber: string;
  last4: string;
  accountType: BankAccountType;
  holderName: string;
  createdAt: string;
}

export async function listBankAccounts(client: MeterClient): Promise<BankAccount[]> {
  const r = await callApi<{ bankAccounts: BankAccount[] }>(client.server, 'GET', '/v1/bank-accounts', undefined, { headers: client.sessionHeaders() });
  return r.bankAccounts;
}

/**
 * Sent with an Idempotency-Key (a fresh one, or `opts.idempotencyKey` to retry a call whose answer
 * was lost): a retry with the same key and account answers the same account and adds nothing, so
 * the SDK may retry it on its own when the server cannot be reached.
 */
export async function addBankAccount(client: MeterClient, account: BankAccountInput, opts: { idempotencyKey?: string } = {}): Promise<BankAccount> {
  const key = opts.idempotencyKey ?? (await client.newIdempotencyKey());
  return callApi<BankAccount>(client.server, 'POST', '/v1/bank-accounts', account, { headers: { ...client.sessionHeaders(), 'idempotency-key': key } });
}

export function removeBankAccount(client: MeterClient, bankAccountId: string): Promise<{ bankAccountId: string; removed: boolean }> {
  return callApi(client.server, 'DELETE', `/v1/bank-accounts/${encodeURIComponent(bankAccountId)}`, undefined, { headers: client.sessionHeaders() });
}
