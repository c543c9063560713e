import { callApi } from './http.js';
import type { MeterClient } from './meter-client.js';

// The customer's profile (name, company, address, a verified e-mail address) over HTTP, with the
// session of a MeterClient. Not part of the meter protocol: no MAC, no challenge.

export interface CustomerAddress {
  street: string;
  secondary: string;
  city: string;
  state: string;
  zip: string;
}

export interface CustomerProfileInput {
  name: string;
  company: string;
  address: CustomerAddress;
  email: string | null;
}

export interface CustomerProfile extends CustomerProfileInput {
  emailVerified: boolean;
  emailVerifiedAt: string | null;
  updatedAt: string | null;
  /** Set by a change: a verification mail was enqueued for a new address. */
  verificationSent?: boolean;
}

export function fetchProfile(client: MeterClient): Promise<CustomerProfile> {
  return callApi<CustomerProfile>(client.server, 'GET', '/v1/profile', undefined, { headers: client.sessionHeaders() });
}

/** Replace the profile (PUT is idempotent: a retry sets the same values, and sends no second mail). */
export function putProfile(client: MeterClient, profile: CustomerProfileInput): Promise<CustomerProfile> {
  return callApi<CustomerProfile>(client.server, 'PUT', '/v1/profile', profile, { headers: client.sessionHeaders() });
}

export function verifyEmailToken(client: MeterClient, token: string): Promise<CustomerProfile> {
  return callApi<CustomerProfile>(client.server, 'POST', '/v1/profile/email/verify', { token }, { headers: client.sessionHeaders() });
}
