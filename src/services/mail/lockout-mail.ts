import { MAX_FAILED_LOGINS } from '../../constants.js';
import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface LockoutMailInput {
  readonly to: string;
  readonly username: string;
  readonly at: Date;
}

/** The meter locked itself after too many failed logins: the customer should know, and whom to ask. */
export function lockoutMail(m: LockoutMailInput): Mail {
  const text = [
    `Hello ${m.username},`,
    '',
    `Your Vaultmeter meter was locked at ${m.at.toISOString()} after ${MAX_FAILED_LOGINS} failed logins in a row.`,
    'While it is locked, nobody can log in or print with it, you included; your funds stay on the meter.',
    '',
    'If these were not your attempts, someone may be guessing your password.',
    'Customer care of your Vaultmeter provider can unlock the meter, or reset a password you have forgotten; ask them.',
    SIGNATURE,
  ].join('\n');
  return { kind: 'meter_locked', to: m.to, subject: 'Your Vaultmeter meter is locked', text };
}
