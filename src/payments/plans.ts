// Pricing plans (issue 14 item 5): what the vendor charges for its service, apart from postage.
// A plan is a monthly fee and a fee per postage label; neither touches a meter's registers (postage
// value belongs to the postal authority, fees to the vendor), so fees are invoiced, not debited.

export const PLAN_IDS = ['pay_as_you_go', 'standard', 'business'] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export interface PricingPlan {
  readonly id: PlanId;
  readonly name: string;
  readonly monthlyFeeMills: bigint;
  readonly perLabelFeeMills: bigint;
}

export const PRICING_PLANS: Readonly<Record<PlanId, PricingPlan>> = {
  pay_as_you_go: { id: 'pay_as_you_go', name: 'Pay as you go', monthlyFeeMills: 0n, perLabelFeeMills: 50n },
  standard: { id: 'standard', name: 'Standard', monthlyFeeMills: 15_990n, perLabelFeeMills: 10n },
  business: { id: 'business', name: 'Business', monthlyFeeMills: 39_990n, perLabelFeeMills: 0n },
};

/** Every customer starts on this plan. */
export const DEFAULT_PLAN: PlanId = 'pay_as_you_go';

export function isPlanId(v: string): v is PlanId {
  return (PLAN_IDS as readonly string[]).includes(v);
}
