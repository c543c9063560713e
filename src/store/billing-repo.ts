import type { Q } from './query.js';

// commerce.customer_plans and commerce.invoices (ledger state: written only by the `plan_selected`
// and `invoice_issued` appliers), and what a billing run reads to draft a month's invoices.

export async function findPlan(q: Q, meterId: string): Promise<{ plan: string; selectedAt: Date } | null> {
  const r = await q.query<{ plan: string; selectedAt: Date }>('SELECT plan, selected_at AS "selectedAt" FROM commerce.customer_plans WHERE meter_id = $1', [
    meterId,
  ]);
  return r.rows[0] ?? null;
}

export interface InvoiceRow {
  invoiceId: string;
  meterId: string;
  month: string;
  plan: string;
  lines: { description: string; quantity: number; unitMills: string; amountMills: string }[];
  totalMills: bigint;
  issuedAt: Date;
}

const INVOICE_COLUMNS = `invoice_id AS "invoiceId", meter_id AS "meterId", month, plan, lines, total_mills AS "totalMills", issued_at AS "issuedAt"`;

export async function listInvoices(q: Q, meterId: string, limit: number): Promise<InvoiceRow[]> {
  const r = await q.query<InvoiceRow>(`SELECT ${INVOICE_COLUMNS} FROM commerce.invoices WHERE meter_id = $1 ORDER BY month DESC LIMIT $2`, [meterId, limit]);
  return r.rows;
}

export async function findInvoice(q: Q, meterId: string, invoiceId: string): Promise<InvoiceRow | null> {
  const r = await q.query<InvoiceRow>(`SELECT ${INVOICE_COLUMNS} FROM commerce.invoices WHERE meter_id = $1 AND invoice_id = $2`, [meterId, invoiceId]);
  return r.rows[0] ?? null;
}

export async function invoiceExists(q: Q, meterId: string, month: string): Promise<boolean> {
  return ((await q.query('SELECT 1 FROM commerce.invoices WHERE meter_id = $1 AND month = $2', [meterId, month])).rowCount ?? 0) > 0;
}

export interface InvoiceCandidate {
  meterId: string;
  plan: string;
  labels: number;
}

/**
 * Customers to invoice for a month: registered before it ended, not closed or revoked before it
 * began, not invoiced for it yet; with their plan and the postage labels printed in it and not refunded.
 */
export async function invoiceCandidates(q: Q, month: string, start: Date, end: Date, defaultPlan: string, limit: number): Promise<InvoiceCandidate[]> {
  const r = await q.query<InvoiceCandidate>(
    `SELECT c.meter_id AS "meterId", coalesce(p.plan, $4) AS plan,
            (SELECT count(*) FROM postal.items i WHERE i.meter_id = c.meter_id AND i.kind = 'postage'
               AND i.created_at >= $2 AND i.created_at < $3 AND i.refunded_at IS NULL)::int AS labels
     FROM membership.customers c
     JOIN postal.meters m USING (meter_id)
     LEFT JOIN commerce.customer_plans p USING (meter_id)
     WHERE c.registered_at IS NOT NULL AND c.registered_at < $3
       AND NOT (m.status IN ('withdrawn', 'revoked') AND m.status_at < $2)
       AND NOT EXISTS (SELECT 1 FROM commerce.invoices v WHERE v.meter_id = c.meter_id AND v.month = $1)
     ORDER BY c.meter_id LIMIT $5`,
    [month, start, end, defaultPlan, limit],
  );
  return r.rows;
}
