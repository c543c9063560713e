import { formatMills } from '../../money.js';
import type { Mail } from './mail.js';
import { SIGNATURE } from './mail.js';

export interface FundingReceiptMailInput {
  readonly to: string;
  readonly username: string;
  readonly requestId: string;
  readonly amountMills: bigint;
  readonly settledAt: Date;
}

/** An ACH debit settled: its value is in the meter. The PDF receipt is one command away. */
export function fundingReceiptMail(m: FundingReceiptMailInput): Mail {
  const amount = `$${formatMills(m.amountMills)}`;
  const text = [
    `Hello ${m.username},`,
    '',
    `Your funding of ${amount} (request ${m.requestId}) settled on ${m.settledAt.toISOString()}: the amount is now in your Vaultmeter meter.`,
    '',
    'Your receipt, as a PDF:',
    `  vaultmeter client funding --user ${m.username} --receipt ${m.requestId} --out receipt.pdf`,
    SIGNATURE,
  ].join('\n');
  return { kind: 'funding_receipt', to: m.to, subject: `Receipt: ${amount} added to your Vaultmeter meter`, text };
}
