import { randomUUID } from 'node:crypto';
import { MAX_BANK_ACCOUNTS_PER_CUSTOMER } from '../constants.js';
import { fail } from '../errors.js';
import { abaChecksumOk, normalizeAccountNumber } from '../payments/index.js';
import { repo, type BankAccountRow, type Db } from '../store/index.js';
import { forget, type Answer, type Remember } from './answer.js';
import type { ServiceContext } from './context.js';
import { logChange } from './logged.js';
import type { CustomerSession } from './sessions.js';

// A customer's bank accounts for ACH debits (issue 14 item 4). The account number goes from the
// request straight to a module (`sealBankAccount`), which answers the sealed blob and the last
// four; the server keeps only those. The change is a ledger effect (`bank_account_added`,
// `bank_account_removed`), declared through logChange like a profile change.

export type BankAccountType = 'checking' | 'savings';

export interface BankAccountInput {
  readonly routingNumber: string;
  readonly accountNumber: string;
  readonly accountType: BankAccountType;
  readonly holderName: string;
}

export interface BankAccountView {
  readonly bankAccountId: string;
  readonly routingNumber: string;
  readonly last4: string;
  readonly accountType: BankAccountType;
  readonly holderName: string;
  readonly createdAt: string;
}

const viewOf = (r: BankAccountRow): BankAccountView => ({
  bankAccountId: r.bankAccountId,
  routingNumber: r.routing,
  last4: r.last4,
  accountType: r.accountType,
  holderName: r.holderName,
  createdAt: r.createdAt.toISOString(),
});

export async function listBankAccounts(db: Db, session: CustomerSession): Promise<BankAccountView[]> {
  return (await repo.listBankAccounts(db, session.customerId)).map(viewOf);
}

const tooMany = (): never =>
  fail('too_many_bank_accounts', `a customer holds at most ${MAX_BANK_ACCOUNTS_PER_CUSTOMER} bank accounts; remove one first`, {
    limit: MAX_BANK_ACCOUNTS_PER_CUSTOMER,
  });

/** Checked here first, so that bad input never reaches a module; the module checks the number again. */
function checkInput(input: BankAccountInput): void {
  if (!abaChecksumOk(input.routingNumber)) fail('invalid_routing_number', `${JSON.stringify(input.routingNumber)} is not a valid ABA routing number`);
  if (normalizeAccountNumber(input.accountNumber) === null) fail('invalid_account_number', 'an account number is 4 to 17 letters, digits or hyphens');
  if (input.holderName.trim() === '') fail('invalid_request', "the account holder's name is blank");
}

/**
 * `POST /v1/bank-accounts`: sealed by a module, then logged; bad input changes nothing. The answer
 * kept under the request's Idempotency-Key (`remember`, in the batch that adds the account) names
 * the account only: its creation time is the module's record time, known once the batch commits,
 * so `bankAccountAnswer` reads the account back for the first answer and every replay alike.
 */
export async function addBankAccount(ctx: ServiceContext, session: CustomerSession, input: BankAccountInput, remember: Remember = forget): Promise<Answer> {
  checkInput(input);
  // Test mode: a sandbox meter's customer never gives a bank account (nothing real is ever drawn for it).
  if ((await repo.getMeter(ctx.db, session.meterId))?.sandbox) fail('sandbox_meter', 'a sandbox (test mode) meter has no bank accounts');
  // Before the module is asked: a customer at the bound costs no seal. Checked again under the lock.
  if ((await repo.listBankAccounts(ctx.db, session.customerId)).length >= MAX_BANK_ACCOUNTS_PER_CUSTOMER) tooMany();
  const bankAccountId = randomUUID();
  const routing = input.routingNumber;
  const { sealedBase64, last4 } = await ctx.modules
    .pick()
    .sealBankAccount({ username: session.username, meterId: session.meterId, bankAccountId, routing, accountNumber: input.accountNumber });
  const committed: Answer = { status: 201, body: { bankAccountId } };
  await logChange(ctx, {
    key: `bank-accounts:${session.username}`,
    meterId: session.meterId,
    effects: async ({ tx }) => {
      await repo.lockCustomerBankAccounts(tx, session.customerId);
      if ((await repo.listBankAccounts(tx, session.customerId)).length >= MAX_BANK_ACCOUNTS_PER_CUSTOMER) tooMany();
      const holderName = input.holderName.trim();
      return [
        {
          kind: 'bank_account_added',
          username: session.username,
          bankAccountId,
          routing,
          accountType: input.accountType,
          holderName,
          last4,
          sealed: sealedBase64,
        },
      ];
    },
    answer: ({ writer }) => remember(writer, committed),
  });
  return committed;
}

/**
 * The account an add committed, as answered: to the first request and to a retry with its key. A
 * retry after the account was removed still names the account it added (and adds nothing).
 */
export async function bankAccountAnswer(db: Db, session: CustomerSession, committed: Answer): Promise<Answer> {
  const id = committed.body.bankAccountId;
  const row = typeof id === 'string' ? await repo.findBankAccount(db, session.customerId, id, { removed: true }) : null;
  return row ? { status: committed.status, body: { ...viewOf(row) } } : fail('internal', 'the bank account added is not found');
}

/** `DELETE /v1/bank-accounts/{id}`: another customer's account, or one removed already, is not found. */
export async function removeBankAccount(
  ctx: ServiceContext,
  session: CustomerSession,
  bankAccountId: string,
): Promise<{ bankAccountId: string; removed: true }> {
  await logChange(ctx, {
    key: `bank-accounts:${session.username}`,
    meterId: session.meterId,
    effects: async ({ tx }) => {
      await repo.lockCustomerBankAccounts(tx, session.customerId);
      if (!(await repo.findBankAccount(tx, session.customerId, bankAccountId))) fail('not_found', 'you hold no bank account with that id');
      return [{ kind: 'bank_account_removed', username: session.username, bankAccountId }];
    },
  });
  return { bankAccountId, removed: true };
}
