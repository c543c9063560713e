import { callApi, fetchBody } from './http.js';
import type { MeterClient } from './meter-client.js';

// Pricing plans and invoices over HTTP, with the session of a MeterClient (not the meter protocol).

export interface PlanInfo {
  readonly plan: string;
  readonly name: string;
  readonly monthlyFeeMills: string;
  readonly perLabelFeeMills: string;
  readonly selectedAt: string | null;
}

export interface InvoiceInfo {
  readonly invoiceId: string;
  readonly month: string;
  readonly plan: string;
  readonly lines: readonly { description: string; quantity: number; unitMills: string; amountMills: string }[];
  readonly totalMills: string;
  readonly issuedAt: string;
}

export async function pricingPlans(server: string): Promise<PlanInfo[]> {
  return (await callApi<{ plans: PlanInfo[] }>(server, 'GET', '/v1/plans')).plans;
}

export function fetchPlan(client: MeterClient): Promise<PlanInfo> {
  return callApi<PlanInfo>(client.server, 'GET', '/v1/plan', undefined, { headers: client.sessionHeaders() });
}

export function choosePlan(client: MeterClient, plan: string): Promise<PlanInfo> {
  return callApi<PlanInfo>(client.server, 'PUT', '/v1/plan', { plan }, { headers: client.sessionHeaders() });
}

export async function fetchInvoices(client: MeterClient): Promise<InvoiceInfo[]> {
  return (await callApi<{ invoices: InvoiceInfo[] }>(client.server, 'GET', '/v1/invoices', undefined, { headers: client.sessionHeaders() })).invoices;
}

export function invoicePdfOf(client: MeterClient, invoiceId: string): Promise<Buffer> {
  return fetchBody(client.server, client.sessionHeaders().authorization ?? '', `/v1/invoices/${encodeURIComponent(invoiceId)}/pdf`, 'application/pdf');
}
