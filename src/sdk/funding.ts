import { callApi, fetchBody } from './http.js';

// ACH funding as the SDK sees it: a funding request is a MAC'd meter command (MeterClient.requestFunding);
// where each one stands is a session read.

export type FundingStatus = 'requested' | 'filed' | 'settled' | 'returned';

export interface FundingRequestInfo {
  readonly requestId: string;
  readonly amountMills: string;
  /** Null for a card payment. */
  readonly bankAccountId: string | null;
  readonly method: 'ach' | 'card';
  /** The Stripe PaymentIntent of a card payment, once it settled or failed. */
  readonly paymentIntentId: string | null;
  readonly status: FundingStatus;
  readonly requestedAt: string;
  readonly traceNumber: string | null;
  readonly filedAt: string | null;
  readonly settledAt: string | null;
  readonly returnedAt: string | null;
  readonly returnCode: string | null;
  readonly owedMills: string;
}

export interface FundingRequested {
  readonly requestId: string;
  readonly amountMills: bigint;
  readonly bankAccountId: string;
  /** When the module will download the value at the earliest (the settlement hold). */
  readonly settleAfter: string;
}

/** A card payment, charged by the server as soon as its MAC'd request committed (no hold). */
export interface CardFunded {
  readonly requestId: string;
  readonly amountMills: bigint;
  readonly method: 'card';
  /** `settled`: the value is in the meter (the registers show it from the next answer on). */
  readonly status: FundingStatus;
  readonly paymentIntentId: string | null;
}

export async function fundingRequests(server: string, authorization: string, meterId: string): Promise<FundingRequestInfo[]> {
  const r = await callApi<{ fundingRequests: FundingRequestInfo[] }>(server, 'GET', `/v1/meters/${meterId}/funding-requests`, undefined, {
    headers: { authorization },
  });
  return r.fundingRequests;
}

/** The PDF receipt of a funding that settled (`receipt_not_ready` before). */
export function fundingReceipt(server: string, authorization: string, meterId: string, requestId: string): Promise<Buffer> {
  return fetchBody(server, authorization, `/v1/meters/${meterId}/funding-requests/${encodeURIComponent(requestId)}/receipt`, 'application/pdf');
}
