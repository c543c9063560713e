import type { MailToSend } from '../../store/index.js';

// What a template makes: one mail for the outbox. Each kind of mail has its own template file
// (verification-mail.ts, lockout-mail.ts, low-balance-mail.ts, debit-returned-mail.ts, funding-receipt-mail.ts, care-mail.ts,
// invitation-mail.ts). Templates are pure: no clock, no database, no secrets but the token a
// verification mail exists to carry and the code an invitation does.

export type MailKind =
  | 'email_verification'
  | 'meter_locked'
  | 'low_balance'
  | 'debit_returned'
  | 'funding_receipt'
  | 'password_reset'
  | 'balance_adjusted'
  | 'account_closed'
  | 'member_invitation';

export interface Mail extends MailToSend {
  readonly kind: MailKind;
}

/** The closing every mail shares. */
export const SIGNATURE = ['', '-- ', 'Vaultmeter', 'This mail was sent because of an event on your Vaultmeter account; replies are not read.'].join('\n');
