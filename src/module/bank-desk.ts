import { createHash } from 'node:crypto';
import { MAX_ACH_FILE_ENTRIES, MAX_BANK_ACCOUNT_NUMBER_LENGTH, MAX_USERNAME_LENGTH } from '../constants.js';
import type { ModuleCrypto } from '../crypto/index.js';
import { fail } from '../errors.js';
import {
  abaChecksumOk,
  accountLast4,
  buildNachaFile,
  NachaInputError,
  normalizeAccountNumber,
  validateNachaFile,
  type AchDebitEntry,
  type NachaFileInput,
} from '../payments/index.js';
import { canonicalBytes, UUID } from '../protocol/index.js';
import { debitAuthorized } from './debit-authorization.js';
import type * as M from './messages.js';

// Customers' bank account numbers: sealed here, opened only here, and only into the ACH file the
// bank receives. No op answers a clear account number on its own: `sealBankAccount` answers the
// sealed blob and the last four, `buildAchFile` a whole file (which the bank must read).
//
// The seal's associated data binds the user name, the meter, the account id and the routing number,
// so a blob copied onto another customer's or another account's row (or given another bank) fails.
// A file entry opens an account only with the module's authorization of a funding request of that
// same meter, for that account and amount (debit-authorization.ts).

const AAD_DOMAIN = 'vaultmeter/bank-account/v1';
const ACH_FILE_DOMAIN = 'vaultmeter/ach-file/v1';
const MILLS = /^\d{1,18}$/;
const PAD = 0;

export interface BankAccountBinding {
  readonly username: string;
  readonly meterId: string;
  readonly bankAccountId: string;
  readonly routing: string;
}

/** The associated data of a sealed account number. */
export function bankAccountAad(b: BankAccountBinding): Buffer {
  return canonicalBytes(AAD_DOMAIN, { username: b.username, meterId: b.meterId, bankAccountId: b.bankAccountId, routing: b.routing });
}

/** What a module signs for an ACH file: its digest, count and total, and who built it. */
export function achFileStatement(f: { readonly sha256Hex: string; readonly entryCount: number; readonly totalMills: string; readonly signer: string }): Buffer {
  return canonicalBytes(ACH_FILE_DOMAIN, { sha256: f.sha256Hex, entryCount: String(f.entryCount), totalMills: f.totalMills, signer: f.signer });
}

function checkBinding(b: BankAccountBinding, where: string): void {
  if (b.username.length === 0 || b.username.length > MAX_USERNAME_LENGTH)
    fail('invalid_request', `${where}: the user name is 1 to ${MAX_USERNAME_LENGTH} characters`);
  if (!UUID.test(b.bankAccountId)) fail('invalid_request', `${where}: the bank account id is a lowercase uuid`);
  if (!UUID.test(b.meterId)) fail('invalid_request', `${where}: the meter id is a lowercase uuid`);
  if (!abaChecksumOk(b.routing)) fail('invalid_routing_number', `${where}: ${JSON.stringify(b.routing)} is not a valid ABA routing number`);
}

/** Padded to the longest number, so that the blob's length does not tell the number's. */
function padded(accountNumber: string): Buffer {
  return Buffer.concat([Buffer.from(accountNumber, 'ascii'), Buffer.alloc(MAX_BANK_ACCOUNT_NUMBER_LENGTH - accountNumber.length, PAD)]);
}

function unpadded(plain: Buffer): string | null {
  let end = plain.length;
  while (end > 0 && plain[end - 1] === PAD) end--;
  return normalizeAccountNumber(plain.subarray(0, end).toString('ascii'));
}

/** YYMMDD (this century) or YYYY-MM-DD, as the builder takes it; the builder checks the date itself. */
function isoDate(text: string): string {
  const short = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  return short ? `20${short[1]}-${short[2]}-${short[3]}` : text;
}

export class BankDesk {
  constructor(private readonly crypto: Pick<ModuleCrypto, 'serial' | 'sealCustomerField' | 'openCustomerField' | 'signAsModule'>) {}

  async sealBankAccount(a: M.SealBankAccountArgs): Promise<M.SealBankAccountResult> {
    checkBinding(a, 'sealBankAccount');
    const number = normalizeAccountNumber(a.accountNumber) ?? fail('invalid_account_number', 'an account number is 4 to 17 letters, digits or hyphens');
    const sealed = await this.crypto.sealCustomerField('bank-account', bankAccountAad(a), padded(number));
    return { sealedBase64: sealed.toString('base64'), last4: accountLast4(number) };
  }

  private async openAccount(e: M.AchEntryWire, i: number): Promise<string> {
    const where = `entry ${i} (bank account ${e.bankAccountId})`;
    checkBinding(e, where);
    // Only for a debit the customer asked for, on these exact terms (debit-authorization.ts).
    const terms = { meterId: e.meterId, requestId: e.requestId, bankAccountId: e.bankAccountId, amountMills: e.amountMills };
    if (!(await debitAuthorized(this.crypto, terms, e.debitAuthorization)))
      fail('debit_not_authorized', `${where}: no funding request of this meter authorizes this debit`);
    const plain = await this.crypto.openCustomerField('bank-account', bankAccountAad(e), Buffer.from(e.sealedBase64, 'base64'));
    const number = plain && unpadded(plain);
    return number ?? fail('bank_account_tampered', `${where}: the sealed account number does not open for this customer, account and routing number`);
  }

  private async entries(wire: readonly M.AchEntryWire[]): Promise<{ entries: AchDebitEntry[]; totalMills: bigint }> {
    if (wire.length === 0 || wire.length > MAX_ACH_FILE_ENTRIES) fail('ach_file_invalid', `a file has 1 to ${MAX_ACH_FILE_ENTRIES} entries`);
    const entries: AchDebitEntry[] = [];
    let totalMills = 0n;
    for (const [i, e] of wire.entries()) {
      if (!MILLS.test(e.amountMills)) fail('ach_file_invalid', `entry ${i}: amountMills is an integer number of mills`);
      if (e.accountType !== 'checking' && e.accountType !== 'savings') fail('ach_file_invalid', `entry ${i}: the account type is checking or savings`);
      const mills = BigInt(e.amountMills);
      totalMills += mills;
      entries.push({
        routing: e.routing,
        account: await this.openAccount(e, i),
        accountType: e.accountType,
        amount: { mills },
        individualName: e.holderName,
        individualId: e.individualId,
        traceNumber: e.traceNumber,
      });
    }
    return { entries, totalMills };
  }

  async buildAchFile(a: M.BuildAchFileArgs): Promise<M.BuildAchFileResult> {
    const { entries, totalMills } = await this.entries(a.entries);
    const h = a.header;
    const input: NachaFileInput = {
      immediateDestination: h.immediateDestination,
      immediateDestinationName: h.destinationName,
      immediateOrigin: h.immediateOrigin,
      immediateOriginName: h.originName,
      company: { name: h.companyName, id: h.companyId },
      originatingDfi: h.odfi,
      entryDescription: h.entryDescription,
      effectiveDate: isoDate(h.effectiveDate),
      createdAt: new Date(h.createdAt),
      fileIdModifier: h.fileIdModifier,
      entries,
    };
    let text: string;
    try {
      text = buildNachaFile(input);
    } catch (e) {
      if (e instanceof NachaInputError) fail('ach_file_invalid', e.message, { reason: e.reason });
      throw e;
    }
    // The validator shares no code with the builder: a file it refuses never leaves the module.
    const check = validateNachaFile(text);
    if (!check.ok) fail('ach_file_invalid', `the built file does not validate: ${check.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
    if (check.summary.entries !== entries.length || check.summary.totalDebitCents * 10n !== totalMills)
      fail('ach_file_invalid', 'the built file does not carry exactly the entries and total it was given');
    const sha256Hex = createHash('sha256').update(text, 'utf8').digest('hex');
    const signed = { sha256Hex, entryCount: entries.length, totalMills: totalMills.toString(), signer: this.crypto.serial };
    const signature = await this.crypto.signAsModule('ach-file', achFileStatement(signed));
    return { text, ...signed, signatureDerHex: signature.toString('hex') };
  }
}
