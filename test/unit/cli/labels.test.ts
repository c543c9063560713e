import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { carrierFieldsOf, labelFor, mailerIdFromEnv } from '../../../src/cli/labels.js';
import { signItemBytes } from '../../../src/crypto/index.js';
import { encodeItem, encodeSignedBytes, type ItemData } from '../../../src/indicium/index.js';
import { ProfileError } from '../../../src/sdk/index.js';
import { SAMPLE } from '../helpers/items.js';
import { pdfText } from '../labels/fixtures.js';

const ID = 'b45755ac6be497f93d264659f01cda9f';
const base = { originZip: '20176', destination: '900121234', weightTenthOz: 160 };

function signed(data: ItemData): Buffer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const bytes = encodeSignedBytes(data);
  return encodeItem(bytes, signItemBytes(bytes, privateKey));
}

describe('the carrier parts labelFor gives a postage item', () => {
  it('a rated item gets its banner and, where the STC is confirmed, the IMpb routed on its ZIP+4', () => {
    const pm = carrierFieldsOf({ ...base, rateCategory: 'PM', rated: { rateTable: 'USPS-2026-07-12', zone: 8 } }, ID, '912345678');
    expect(pm.serviceBanner).toBe('PRIORITY MAIL');
    expect(pm.impb?.zip).toBe('900121234');
    expect(pm.impb?.trackingNumber).toMatch(/^92055912345678\d{8}$/);
    const ga = carrierFieldsOf({ ...base, rateCategory: 'GA', rated: { rateTable: 'USPS-2026-07-12', zone: 8 } }, ID, '912345678');
    expect(ga).toEqual({ serviceBanner: 'USPS GROUND ADVANTAGE' });
  });

  it('an unrated item (no rate table: VAULTMETER_RATES=none) has no class, so neither banner nor IMpb', () => {
    expect(carrierFieldsOf({ ...base, rateCategory: 'PM' }, ID, '912345678')).toEqual({});
  });

  it('takes the Mailer ID from VAULTMETER_MAILER_ID, the development MID when unset, and refuses a malformed one', () => {
    expect(mailerIdFromEnv({})).toBe('999999999');
    expect(mailerIdFromEnv({ VAULTMETER_MAILER_ID: '123456' })).toBe('123456');
    expect(() => mailerIdFromEnv({ VAULTMETER_MAILER_ID: '12-34' })).toThrow(ProfileError);
  });

  it('renders the return address and the IMpb of a rated item, and neither banner nor IMpb for an unrated one', async () => {
    if (SAMPLE.kind !== 'postage') throw new Error('SAMPLE is a postage item');
    const rated: ItemData = { ...SAMPLE, postage: { ...SAMPLE.postage, rateCategory: 'PME', rated: { rateTable: 'USPS-2026-07-12', zone: 4 } } };
    const bytes = signed(rated);
    const printer = { stock: 'label-4x6', format: 'pdf', symbology: 'datamatrix' } as const;
    const text = await pdfText(await labelFor(bytes, printer, ['JANE Q PUBLIC'], { returnLines: ['ACME SHIPPING', '1 ELM ST'], mailerId: '123456' }));
    for (const s of ['PRIORITY MAIL EXPRESS', 'ACME SHIPPING', '1 ELM ST', 'JANE Q PUBLIC', 'USPS TRACKING #', '9370 1123 456']) expect(text).toContain(s);
    const unrated = await pdfText(await labelFor(signed(SAMPLE), printer, ['JANE Q PUBLIC'], { returnLines: ['ACME SHIPPING'] }));
    expect(unrated).toContain('ACME SHIPPING');
    expect(unrated).not.toContain('USPS TRACKING');
    expect(unrated).not.toContain('PRIORITY MAIL');
  });
});
