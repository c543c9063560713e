import { formatMills } from '../../money.js';
import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface LowBalanceMailInput {
  readonly to: string;
  readonly username: string;
  readonly drMills: bigint;
  readonly thresholdMills: bigint;
}

/** A print took the available balance below the threshold. */
export function lowBalanceMail(m: LowBalanceMailInput): Mail {
  const text = [
    `Hello ${m.username},`,
    '',
    `Your Vaultmeter meter has $${formatMills(m.drMills)} left to print with, less than $${formatMills(m.thresholdMills)}.`,
    'Ask your provider to fund the meter before it runs out.',
    '',
    'You get this mail once each time the balance falls below that amount.',
    SIGNATURE,
  ].join('\n');
  return { kind: 'low_balance', to: m.to, subject: 'Your Vaultmeter balance is low', text };
}
