import type { ModuleCrypto } from '../crypto/index.js';
import { fail } from '../errors.js';
import { canonicalBytes, LICENSE_NUMBER, UUID } from '../protocol/index.js';
import type * as M from './messages.js';

// A licensed customer's tax id (an EIN or SSN: nine digits), sealed here and never answered in
// clear: the provider subsystem keeps the sealed blob and the last four (issue 18 item 1). The
// associated data binds the meter and the license number, so a blob copied onto another license
// does not open.

const AAD_DOMAIN = 'vaultmeter/tax-id/v1';
// Nine digits, or an EIN (12-3456789) or an SSN (123-45-6789) with its dashes where they belong.
const TAX_ID = /^(\d{9}|\d{2}-\d{7}|\d{3}-\d{2}-\d{4})$/;

export function taxIdAad(b: { readonly meterId: string; readonly licenseNumber: string }): Buffer {
  return canonicalBytes(AAD_DOMAIN, { meterId: b.meterId, licenseNumber: b.licenseNumber });
}

/** `123-45-6789`, `12-3456789` or nine digits; anything else is refused. */
export function normalizeTaxId(text: string): string | null {
  return TAX_ID.test(text) ? text.replace(/-/g, '') : null;
}

export async function sealTaxId(crypto: Pick<ModuleCrypto, 'sealCustomerField'>, a: M.SealTaxIdArgs): Promise<M.SealTaxIdResult> {
  if (!UUID.test(a.meterId)) fail('invalid_request', 'the meter id is a lowercase uuid');
  if (!LICENSE_NUMBER.test(a.licenseNumber)) fail('invalid_request', 'a license number is VM-YYYY-XXXXXXXX');
  const taxId = normalizeTaxId(a.taxId) ?? fail('invalid_tax_id', 'a tax id is nine digits (an EIN or an SSN)');
  const sealed = await crypto.sealCustomerField('tax-id', taxIdAad(a), Buffer.from(taxId, 'ascii'));
  return { sealedBase64: sealed.toString('base64'), last4: taxId.slice(-4) };
}
