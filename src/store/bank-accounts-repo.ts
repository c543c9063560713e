import type { Q } from './query.js';

// membership.bank_accounts (ledger state: written only by the `bank_account_added` and
// `bank_account_removed` appliers). Reads for customers never select `sealed`: the service has
// no use for it, and a listing that cannot carry it cannot leak it.

export interface BankAccountRow {
  bankAccountId: string;
  routing: string;
  accountType: 'checking' | 'savings';
  holderName: string;
  last4: string;
  createdAt: Date;
}

const COLUMNS = `bank_account_id AS "bankAccountId", routing, account_type AS "accountType", holder_name AS "holderName", last4, created_at AS "createdAt"`;

/** A customer's accounts not removed, oldest first. */
export async function listBankAccounts(q: Q, customerId: bigint): Promise<BankAccountRow[]> {
  const r = await q.query<BankAccountRow>(
    `SELECT ${COLUMNS} FROM membership.bank_accounts WHERE customer_id = $1 AND removed_at IS NULL ORDER BY created_at, bank_account_id`,
    [customerId],
  );
  return r.rows;
}

/** One of the customer's accounts, not removed unless `removed` is asked; another customer's is not found. */
export async function findBankAccount(q: Q, customerId: bigint, bankAccountId: string, opts: { removed?: boolean } = {}): Promise<BankAccountRow | null> {
  const r = await q.query<BankAccountRow>(
    `SELECT ${COLUMNS} FROM membership.bank_accounts WHERE customer_id = $1 AND bank_account_id = $2 AND ($3 OR removed_at IS NULL)`,
    [customerId, bankAccountId, opts.removed === true],
  );
  return r.rows[0] ?? null;
}

/**
 * Serializes a customer's bank account changes until the transaction ends, so that two adds cannot
 * both pass the bound. (A customer's changes go to one module, so they rarely meet at all.)
 */
export async function lockCustomerBankAccounts(q: Q, customerId: bigint): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtextextended('membership.bank_accounts:' || $1::text, 0))", [customerId.toString()]);
}
