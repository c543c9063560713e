import { randomUUID } from 'node:crypto';
import { INVOICE_BATCH, MAX_INVOICES_LISTED, MAX_INVOICES_PER_RUN } from '../../constants.js';
import { fail, VaultError } from '../../errors.js';
import { DEFAULT_PLAN, draftInvoice, invoicePdf, isPlanId, MONTH, monthBounds, PRICING_PLANS, type PlanId } from '../../payments/index.js';
import { UUID as UUID_PATTERN } from '../../protocol/index.js';
import { repo } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import { logChange } from '../logged.js';
import type { CustomerSession } from '../sessions.js';
import { addressLines } from './receipts.js';

// Pricing plans and monthly invoices (issue 14 item 5). A plan is the customer's choice
// (`plan_selected`); a billing run drafts each customer's invoice for a month that is over
// (`invoice_issued`, once per meter and month) from the plan in force and the labels printed.

export interface PlanView {
  readonly plan: PlanId;
  readonly name: string;
  readonly monthlyFeeMills: string;
  readonly perLabelFeeMills: string;
  readonly selectedAt: string | null;
}

function planView(plan: PlanId, selectedAt: Date | null): PlanView {
  const p = PRICING_PLANS[plan];
  return {
    plan,
    name: p.name,
    monthlyFeeMills: p.monthlyFeeMills.toString(),
    perLabelFeeMills: p.perLabelFeeMills.toString(),
    selectedAt: selectedAt?.toISOString() ?? null,
  };
}

export function planCatalogue(): PlanView[] {
  return Object.values(PRICING_PLANS).map((p) => planView(p.id, null));
}

export async function currentPlan(ctx: ServiceContext, s: CustomerSession): Promise<PlanView> {
  const row = await repo.findPlan(ctx.db, s.meterId);
  return planView(row && isPlanId(row.plan) ? row.plan : DEFAULT_PLAN, row?.selectedAt ?? null);
}

export async function selectPlan(ctx: ServiceContext, s: CustomerSession, plan: string): Promise<PlanView> {
  if (!isPlanId(plan)) fail('invalid_request', `the plans are ${Object.keys(PRICING_PLANS).join(', ')}`);
  await logChange(ctx, { key: `plan:${s.meterId}`, meterId: s.meterId, effects: () => [{ kind: 'plan_selected', meterId: s.meterId, plan }] });
  return currentPlan(ctx, s);
}

/** Invoice every customer for `month` (over by `now`); a customer invoiced already is skipped, so a run may be repeated. */
export async function runBilling(ctx: ServiceContext, month: string, now = new Date()): Promise<{ month: string; invoiced: number; more: boolean }> {
  if (!MONTH.test(month)) fail('invalid_request', 'the month is YYYY-MM');
  const { start, end } = monthBounds(month);
  if (end.getTime() > now.getTime()) fail('invalid_request', `${month} is not over yet: a month is invoiced once it has ended (UTC)`);
  let invoiced = 0;
  while (invoiced < MAX_INVOICES_PER_RUN) {
    const batch = await repo.invoiceCandidates(ctx.db, month, start, end, DEFAULT_PLAN, INVOICE_BATCH);
    if (batch.length === 0) return { month, invoiced, more: false };
    for (const c of batch) if (await issueInvoice(ctx, month, c)) invoiced++;
  }
  return { month, invoiced, more: true };
}

/** One customer's invoice; false when another run issued it first. */
async function issueInvoice(ctx: ServiceContext, month: string, c: repo.InvoiceCandidate): Promise<boolean> {
  const plan = isPlanId(c.plan) ? c.plan : DEFAULT_PLAN;
  const draft = draftInvoice(plan, month, c.labels);
  try {
    await logChange(ctx, {
      key: `invoice:${c.meterId}`,
      meterId: c.meterId,
      effects: async ({ tx }) => {
        if (await repo.invoiceExists(tx, c.meterId, month)) fail('conflict', 'invoiced already');
        const lines = draft.lines.map((l) => ({ ...l }));
        return [{ kind: 'invoice_issued', invoiceId: randomUUID(), meterId: c.meterId, month, plan, lines, totalMills: draft.totalMills.toString() }];
      },
    });
    return true;
  } catch (e) {
    if (e instanceof VaultError && e.code === 'conflict') return false;
    throw e;
  }
}

export interface InvoiceView {
  readonly invoiceId: string;
  readonly month: string;
  readonly plan: string;
  readonly lines: repo.InvoiceRow['lines'];
  readonly totalMills: string;
  readonly issuedAt: string;
}

export async function listInvoices(ctx: ServiceContext, s: CustomerSession): Promise<InvoiceView[]> {
  const rows = await repo.listInvoices(ctx.db, s.meterId, MAX_INVOICES_LISTED);
  return rows.map((r) => ({
    invoiceId: r.invoiceId,
    month: r.month,
    plan: r.plan,
    lines: r.lines,
    totalMills: r.totalMills.toString(),
    issuedAt: r.issuedAt.toISOString(),
  }));
}

/** The invoice as a PDF, made on request from its ledger row: the same invoice always gives the same bytes. */
export async function invoiceDocument(ctx: ServiceContext, s: CustomerSession, invoiceId: string): Promise<Uint8Array> {
  const r = UUID_PATTERN.test(invoiceId) ? await repo.findInvoice(ctx.db, s.meterId, invoiceId) : null;
  if (!r || !isPlanId(r.plan)) return fail('not_found', 'no such invoice on this meter');
  const profile = await repo.findProfile(ctx.db, s.customerId);
  return invoicePdf({
    invoiceNumber: r.invoiceId,
    vendorName: ctx.ach.companyName,
    customer: { username: s.username, name: profile?.name ?? '', company: profile?.company ?? '', addressLines: addressLines(profile?.address ?? null) },
    month: r.month,
    plan: r.plan,
    issuedAt: r.issuedAt,
    lines: r.lines,
    totalMills: r.totalMills,
  });
}
