import { describe, expect, it } from 'vitest';
import { normalizeTaxId, sealTaxId, taxIdAad } from '../../../src/module/tax-id.js';
import { rejectsWith, testCrypto } from '../helpers/engine.js';

// A licensed customer's tax id (issue 18 item 1): sealed by a module under its own subkey, bound to
// the meter and the license number; only the last four leave in clear.

const METER = '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f';
const LICENSE = 'VM-2026-0A1B2C3D';

describe('tax id sealing', () => {
  it.each([
    ['123456789', '123456789'],
    ['12-3456789', '123456789'],
    ['123-45-6789', '123456789'],
    ['12345678', null],
    ['1234567890', null],
    ['12a456789', null],
    ['--123456789', null],
  ])('normalizes %j to %j', (text, digits) => {
    expect(normalizeTaxId(text)).toBe(digits);
  });

  it('seals to the meter and the license: it opens only there, and not under another purpose', async () => {
    const crypto = await testCrypto();
    const r = await sealTaxId(crypto, { meterId: METER, licenseNumber: LICENSE, taxId: '12-3456789' });
    expect(r.last4).toBe('6789');
    const sealed = Buffer.from(r.sealedBase64, 'base64');
    expect(sealed.toString('latin1')).not.toContain('123456789');
    const opened = await crypto.openCustomerField('tax-id', taxIdAad({ meterId: METER, licenseNumber: LICENSE }), sealed);
    expect(opened?.toString('ascii')).toBe('123456789');
    expect(await crypto.openCustomerField('tax-id', taxIdAad({ meterId: METER, licenseNumber: 'VM-2026-FFFFFFFF' }), sealed)).toBeNull();
    expect(await crypto.openCustomerField('bank-account', taxIdAad({ meterId: METER, licenseNumber: LICENSE }), sealed)).toBeNull();
  });

  it('refuses a malformed tax id, meter id or license number', async () => {
    const crypto = await testCrypto();
    await rejectsWith(sealTaxId(crypto, { meterId: METER, licenseNumber: LICENSE, taxId: '1234' }), 'invalid_tax_id');
    await rejectsWith(sealTaxId(crypto, { meterId: 'x', licenseNumber: LICENSE, taxId: '123456789' }), 'invalid_request');
    await rejectsWith(sealTaxId(crypto, { meterId: METER, licenseNumber: 'VM-1', taxId: '123456789' }), 'invalid_request');
  });
});
