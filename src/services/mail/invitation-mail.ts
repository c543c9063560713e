import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface InvitationMailInput {
  readonly to: string;
  /** The account owner's user name, who invited. */
  readonly owner: string;
  /** The login name the invitee will use (`owner+member`). */
  readonly login: string;
  readonly role: string;
  readonly code: string;
  readonly expiresAt: string;
}

const ROLE_WORDS: Readonly<Record<string, string>> = {
  shipper: 'print and refund labels, and see the balance and history',
  viewer: 'see the balance and history',
};

/** An invitation to join an account: the login name and the one code that accepts it. */
export function invitationMail(m: InvitationMailInput): Mail {
  const text = [
    'Hello,',
    '',
    `${m.owner} invites you to their Vaultmeter account as a ${m.role}: you may ${ROLE_WORDS[m.role] ?? 'use the account'}.`,
    '',
    'To accept, choose your own password and run:',
    '',
    `  vaultmeter client register --user ${m.login} --invite-code ${m.code}`,
    '',
    `Your login name is then ${m.login}. The invitation can be accepted once, until ${m.expiresAt}.`,
    'If you did not expect it, ignore this mail: nothing happens unless the code is used.',
    SIGNATURE,
  ].join('\n');
  return { kind: 'member_invitation', to: m.to, subject: `${m.owner} invites you to a Vaultmeter account`, text };
}
