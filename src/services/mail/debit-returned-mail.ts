import { formatMills } from '../../money.js';
import { RETURN_REASONS } from '../../payments/index.js';
import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface DebitReturnedMailInput {
  readonly to: string;
  readonly username: string;
  readonly amountMills: bigint;
  readonly returnCode: string;
  /** `cancelled`: returned before its value reached the meter; `owed`: after, and the meter is suspended. */
  readonly outcome: 'cancelled' | 'owed';
}

/** The bank returned one of the customer's funding debits. */
export function debitReturnedMail(m: DebitReturnedMailInput): Mail {
  const reason = RETURN_REASONS[m.returnCode];
  const amount = `$${formatMills(m.amountMills)}`;
  if (m.returnCode.startsWith('card_')) return cardReturnedMail(m, amount);
  const what =
    m.outcome === 'cancelled'
      ? [`Your bank returned a debit of ${amount} for your Vaultmeter meter, so that funding request was cancelled.`, 'Nothing was added to your meter.']
      : [
          `Your bank returned a debit of ${amount} whose postage value was already in your Vaultmeter meter.`,
          'The meter is suspended and prints nothing until the amount owed is settled with customer care.',
        ];
  const text = [
    `Hello ${m.username},`,
    '',
    ...what,
    `The bank gave the reason ${m.returnCode}${reason ? ` (${reason})` : ''}.`,
    'Check the bank account on file before you request funding again.',
    SIGNATURE,
  ].join('\n');
  return { kind: 'debit_returned', to: m.to, subject: `Your bank returned a Vaultmeter funding debit of ${amount}`, text };
}

/** A card payment disputed or refunded after its value reached the meter (card_disputed, card_refunded). */
function cardReturnedMail(m: DebitReturnedMailInput, amount: string): Mail {
  const how = m.returnCode === 'card_refunded' ? 'was refunded to your card' : 'was disputed with your card issuer';
  const what =
    m.outcome === 'cancelled'
      ? [
          `Your card payment of ${amount} for your Vaultmeter meter ${how} before it was credited, so that funding request was cancelled.`,
          'Nothing was added to your meter.',
        ]
      : [
          `Your card payment of ${amount}, whose postage value was already in your Vaultmeter meter, ${how}.`,
          'The meter is suspended and prints nothing until the amount owed is settled with customer care.',
        ];
  const text = [`Hello ${m.username},`, '', ...what, `Reason: ${m.returnCode}.`, SIGNATURE].join('\n');
  return { kind: 'debit_returned', to: m.to, subject: `Your Vaultmeter card payment of ${amount} ${how}`, text };
}
