import type { MailToSend } from '../../store/index.js';

// What a template makes: one mail for the outbox. Each kind of mail has its own template file
// (verification-mail.ts, lockout-mail.ts, low-balance-mail.ts, debit-returned-mail.ts, funding-receipt-mail.ts, care-mail.ts);
// invitations will be one file the same way. Templates are pure: no clock, no database, no secrets but
// the verification token a verification mail exists to carry.

export type MailKind =
  'email_verification' | 'meter_locked' | 'low_balance' | 'debit_returned' | 'funding_receipt' | 'password_reset' | 'balance_adjusted' | 'account_closed';

export interface Mail extends MailToSend {
  readonly kind: MailKind;
}

/** The closing every mail shares. */
export const SIGNATURE = ['', '-- ', 'Vaultmeter', 'This mail was sent because of an event on your Vaultmeter account; replies are not read.'].join('\n');
