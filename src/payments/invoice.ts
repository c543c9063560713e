import { PRICING_PLANS, type PlanId } from './plans.js';

// A month's invoice, pure: the plan in force when the month is invoiced, and the labels printed in
// that month (UTC) and not refunded. Amounts are whole mills, rounded nowhere.

export interface InvoiceLine {
  readonly description: string;
  readonly quantity: number;
  readonly unitMills: string;
  readonly amountMills: string;
}

export interface InvoiceDraft {
  readonly plan: PlanId;
  readonly lines: readonly InvoiceLine[];
  readonly totalMills: bigint;
}

/** "YYYY-MM", a whole month in the past or now. */
export const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The month's first instant and the next month's, UTC. */
export function monthBounds(month: string): { start: Date; end: Date } {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`not a month: ${month}`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { start: new Date(Date.UTC(year, index, 1)), end: new Date(Date.UTC(year, index + 1, 1)) };
}

export function draftInvoice(plan: PlanId, month: string, labels: number): InvoiceDraft {
  const p = PRICING_PLANS[plan];
  const lines: InvoiceLine[] = [
    { description: `${p.name} plan, ${month}`, quantity: 1, unitMills: p.monthlyFeeMills.toString(), amountMills: p.monthlyFeeMills.toString() },
    {
      description: `Labels printed in ${month}`,
      quantity: labels,
      unitMills: p.perLabelFeeMills.toString(),
      amountMills: (p.perLabelFeeMills * BigInt(labels)).toString(),
    },
  ];
  return { plan, lines, totalMills: lines.reduce((t, l) => t + BigInt(l.amountMills), 0n) };
}
