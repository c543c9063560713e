import type { Command } from 'commander';
import { addBankAccount, listBankAccounts, ProfileError, removeBankAccount, type BankAccount, type BankAccountType } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

// `vaultmeter client bank-accounts [list|add|remove]`: the bank accounts postage may be paid from
// by ACH debit. The account number is sent once, by `add`; nothing shows it again but its last four.
// It may come from VAULTMETER_ACCOUNT_NUMBER instead of the command line, which other users of the
// machine can read in the process list.

interface AddOpts extends Common {
  routing: string;
  accountNumber?: string;
  type: string;
  holder: string;
}

const describeAccount = (a: BankAccount): string =>
  `${a.bankAccountId}  ${a.accountType.padEnd(8)} routing ${a.routingNumber}  account ****${a.last4}  ${a.holderName}  (added ${a.createdAt})`;

function accountType(text: string): BankAccountType {
  if (text === 'checking' || text === 'savings') return text;
  throw new ProfileError('invalid_request', '--type is checking or savings');
}

export function clientBankAccounts(client: Command): void {
  const accounts = client.command('bank-accounts').description('your bank accounts for ACH debits (only the last four characters of a number are ever shown)');
  withCommon(accounts.command('list', { isDefault: true }).description('list your bank accounts')).action(
    action(async (o: Common) => {
      const list = await listBankAccounts(await session(o));
      emit(o.json === true, { bankAccounts: list }, () => (list.length ? list.map(describeAccount).join('\n') : '(no bank accounts)'));
    }),
  );
  withCommon(accounts.command('add').description('add a bank account; a cryptographic module seals the account number'))
    .requiredOption('--routing <number>', '9-digit ABA routing number')
    .option('--account-number <number>', 'account number, 4 to 17 letters, digits or hyphens (else VAULTMETER_ACCOUNT_NUMBER)')
    .option('--type <type>', 'checking or savings', 'checking')
    .requiredOption('--holder <name>', "the account holder's name, as the bank has it")
    .action(
      action(async (o: AddOpts) => {
        const accountNumber = o.accountNumber ?? process.env.VAULTMETER_ACCOUNT_NUMBER;
        if (!accountNumber) throw new ProfileError('invalid_request', 'give --account-number or set VAULTMETER_ACCOUNT_NUMBER');
        const input = { routingNumber: o.routing, accountNumber, accountType: accountType(o.type), holderName: o.holder };
        const a = await addBankAccount(await session(o), input);
        emit(o.json === true, { ...a }, () => `added ${describeAccount(a)}`);
      }),
    );
  withCommon(accounts.command('remove').description('remove a bank account: no debit is drawn on it after this'))
    .argument('<bankAccountId>', 'the id `bank-accounts list` shows')
    .action(
      action(async (bankAccountId: string, o: Common) => {
        const r = await removeBankAccount(await session(o), bankAccountId);
        emit(o.json === true, { ...r }, () => `removed ${r.bankAccountId}`);
      }),
    );
}
