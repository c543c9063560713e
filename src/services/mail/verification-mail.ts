import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface VerificationMailInput {
  readonly to: string;
  readonly username: string;
  readonly token: string;
  readonly expiresAt: Date;
}

/** The one mail that carries a secret: the one-time token that proves the customer reads `to`. */
export function verificationMail(m: VerificationMailInput): Mail {
  const text = [
    `Hello ${m.username},`,
    '',
    'Someone (we hope you) set this address as the e-mail address of the Vaultmeter account above.',
    'To confirm it, run:',
    '',
    `  vaultmeter client verify-email --user ${m.username} --token ${m.token}`,
    '',
    'or send the token to POST /v1/profile/email/verify while logged in:',
    '',
    `  ${m.token}`,
    '',
    `The token works once, until ${m.expiresAt.toISOString()}. If you did not ask for this, ignore this mail:`,
    'nothing is sent to this address until it is confirmed.',
    SIGNATURE,
  ].join('\n');
  return { kind: 'email_verification', to: m.to, subject: 'Confirm your e-mail address for Vaultmeter', text };
}
