import { MAX_FAILED_LOGINS } from '../../constants.js';
import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface LockoutMailInput {
  readonly to: string;
  readonly username: string;
  readonly at: Date;
  /** A member of the account was locked out, not the owner (the account goes on). */
  readonly member?: string | null;
}

/** The meter locked itself after too many failed logins: the customer should know, and whom to ask. */
export function lockoutMail(m: LockoutMailInput): Mail {
  if (m.member) return memberLockoutMail(m, m.member);
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

/** A member locked out: the owner removes and invites it again; the account and the others go on. */
function memberLockoutMail(m: LockoutMailInput, member: string): Mail {
  const text = [
    `Hello ${m.username},`,
    '',
    `The member ${member} of your Vaultmeter account was locked out at ${m.at.toISOString()} after ${MAX_FAILED_LOGINS} failed logins in a row.`,
    'You and your other members are not affected. To let the member back in, remove it and invite it again (vaultmeter client members).',
    '',
    'If these were not their attempts, someone may be guessing their password.',
    SIGNATURE,
  ].join('\n');
  return { kind: 'meter_locked', to: m.to, subject: `A member of your Vaultmeter account is locked out`, text };
}
