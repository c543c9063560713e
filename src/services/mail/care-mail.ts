import { formatMills } from '../../money.js';
import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

// The customer hears of every customer care act on their account, whoever asked for it: a reset
// they did not ask for, or an adjustment they did not expect, is something they must be able to query.

export interface CareMailInput {
  readonly to: string;
  readonly username: string;
  readonly act: 'reset_password' | 'adjust_balance' | 'close_account';
  readonly reason: string;
  /** adjust_balance: the signed change; close_account: the refund owed. */
  readonly amountMills: bigint;
  readonly at: Date;
}

const dollars = (mills: bigint) => `$${formatMills(mills < 0n ? -mills : mills)}`;

function body(m: CareMailInput): { kind: Mail['kind']; subject: string; lines: string[] } {
  switch (m.act) {
    case 'reset_password':
      return {
        kind: 'password_reset',
        subject: 'Your Vaultmeter password was reset',
        lines: [
          `Customer care reset the password of your meter at ${m.at.toISOString()}.`,
          'To choose a new password, run on the computer that holds your Vaultmeter profile:',
          '',
          `  vaultmeter client password-reset --user ${m.username} --new-password NEW --recovery-code CODE`,
          '',
          'The recovery code is the one shown when you registered. Nobody else can finish the reset: it opens only with your own client.',
        ],
      };
    case 'adjust_balance':
      return {
        kind: 'balance_adjusted',
        subject: 'Your Vaultmeter balance was adjusted',
        lines: [
          `Customer care ${m.amountMills < 0n ? 'took' : 'credited'} ${dollars(m.amountMills)} ${m.amountMills < 0n ? 'from' : 'to'} your meter at ${m.at.toISOString()}.`,
        ],
      };
    case 'close_account':
      return {
        kind: 'account_closed',
        subject: 'Your Vaultmeter account is closed',
        lines: [`Customer care closed your account at ${m.at.toISOString()}.`, `The remaining balance owed back to you: ${dollars(m.amountMills)}.`],
      };
  }
}

export function careMail(m: CareMailInput): Mail {
  const b = body(m);
  const text = [
    `Hello ${m.username},`,
    '',
    ...b.lines,
    '',
    `The reason recorded: ${m.reason}`,
    'If you did not expect this, contact customer care.',
    SIGNATURE,
  ].join('\n');
  return { kind: b.kind, to: m.to, subject: b.subject, text };
}
