import { LOW_BALANCE_MILLS } from '../../constants.js';
import type { CommandResult } from '../../module/index.js';
import { mailRepo, repo, type Q } from '../../store/index.js';
import { lockoutMail } from './lockout-mail.js';
import { lowBalanceMail } from './low-balance-mail.js';
import { debitReturnedMail } from './debit-returned-mail.js';
import { fundingReceiptMail } from './funding-receipt-mail.js';
import { careMail, type CareMailInput } from './care-mail.js';

// Mail caused by a meter command, enqueued in the command's own batch transaction: it goes out
// only if the change commits, and exactly once per change. Only a verified address gets any.

/** The login that locked the meter: the same test the ledger uses for `meter_locked` (ledger/derive.ts). */
export function lockedTheMeter(result: Pick<CommandResult, 'error'>): boolean {
  return result.error?.code === 'invalid_credentials' && result.error.extra?.remainingAttempts === 0;
}

/** True when a debit took the balance from at or above the threshold to below it: once per crossing. */
export function crossedBelow(beforeMills: bigint, afterMills: bigint, thresholdMills: bigint = LOW_BALANCE_MILLS): boolean {
  return beforeMills >= thresholdMills && afterMills < thresholdMills;
}

/** To the account owner, for the owner's lock or (`member`) a member's. */
export async function mailLockout(tx: Q, meterId: string, at: Date, member: string | null = null): Promise<void> {
  const to = await repo.verifiedEmailOfMeter(tx, meterId);
  if (to) await mailRepo.enqueueMail(tx, lockoutMail({ to: to.email, username: to.username, at, member }));
}

/** After a print: `result` is the module's answer (the registers after, and the amount debited). */
export async function mailIfLowBalance(tx: Q, meterId: string, result: Pick<CommandResult, 'response'>): Promise<void> {
  const after = BigInt(result.response.drMills);
  const debited = BigInt(result.response.result.amountMills ?? '0');
  if (!crossedBelow(after + debited, after)) return;
  const to = await repo.verifiedEmailOfMeter(tx, meterId);
  if (to) await mailRepo.enqueueMail(tx, lowBalanceMail({ to: to.email, username: to.username, drMills: after, thresholdMills: LOW_BALANCE_MILLS }));
}

/** After a returned debit, in the return's own batch. */
export async function mailDebitReturned(tx: Q, meterId: string, r: { amountMills: bigint; returnCode: string; outcome: 'cancelled' | 'owed' }): Promise<void> {
  const to = await repo.verifiedEmailOfMeter(tx, meterId);
  if (to) await mailRepo.enqueueMail(tx, debitReturnedMail({ to: to.email, username: to.username, ...r }));
}

/** After a customer care act, in the act's own batch. */
export async function mailCareAct(tx: Q, meterId: string, m: Omit<CareMailInput, 'to' | 'username'>): Promise<void> {
  const to = await repo.verifiedEmailOfMeter(tx, meterId);
  if (to) await mailRepo.enqueueMail(tx, careMail({ to: to.email, username: to.username, ...m }));
}

/** After a settlement, in its own batch: the receipt (its PDF is made on request). */
export async function mailFundingReceipt(tx: Q, meterId: string, r: { requestId: string; amountMills: bigint; settledAt: Date }): Promise<void> {
  const to = await repo.verifiedEmailOfMeter(tx, meterId);
  if (to) await mailRepo.enqueueMail(tx, fundingReceiptMail({ to: to.email, username: to.username, ...r }));
}
