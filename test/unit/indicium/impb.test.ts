import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  gs1128Bars,
  impbElementString,
  impbFor,
  impbSerial,
  isTrackingNumber,
  mailClassLabel,
  mailerIdFrom,
  mod10CheckDigit,
  routingZip,
  spacedTrackingNumber,
  trackingNumber,
} from '../../../src/indicium/index.js';
import { DEV_MAILER_ID } from '../../../src/constants.js';

const ITEM_ID = '0123456789abcdef0123456789abcdef';

describe('the Publication 199 MOD 10 check digit', () => {
  it("gives Pub 199's worked example: 92 123 912345678 1234567 -> 0", () => {
    expect(mod10CheckDigit('921239123456781234567')).toBe(0);
    expect(isTrackingNumber('9212391234567812345670')).toBe(true);
  });

  it('gives the check digit of published USPS numbers (Postal Bulletin 22228, sample labels)', () => {
    // "420 22153 9101 0268 3733 1000 0395 21" (Postal Bulletin 22228, Publication 91 revision), and
    // tracking numbers listed as valid by the tracking_number_data project.
    for (const n of ['9101026837331000039521', '9400111201080805483016', '9405803699300124287899', '9361289878700317633795']) {
      expect(mod10CheckDigit(n.slice(0, 21))).toBe(Number(n[21]));
      expect(isTrackingNumber(n)).toBe(true);
    }
  });

  it('weights 3 then 1 from the right, so any one changed digit or a swap of unequal neighbours is caught', () => {
    expect(mod10CheckDigit('1')).toBe(7); // 1*3 = 3 -> 7
    expect(mod10CheckDigit('10')).toBe(9); // 0*3 + 1*1 = 1 -> 9
    const good = '9212391234567812345670';
    for (let i = 0; i < 22; i++) {
      const changed = good.slice(0, i) + String((Number(good[i]) + 5) % 10) + good.slice(i + 1);
      expect(isTrackingNumber(changed)).toBe(false);
    }
    expect(isTrackingNumber('9212391234567821345670')).toBe(false);
    expect(() => mod10CheckDigit('12a')).toThrow();
  });
});

describe('the tracking number of an item', () => {
  it('is 92 + STC + 9-digit MID + 7-digit serial + check digit with a 9-digit Mailer ID', () => {
    const n = trackingNumber('055', '912345678', ITEM_ID);
    expect(n).toMatch(/^92055912345678\d{7}\d$/);
    expect(n.slice(14, 21)).toBe(impbSerial(ITEM_ID, 7));
    expect(isTrackingNumber(n)).toBe(true);
  });

  it('is 93 + STC + 6-digit MID + 10-digit serial + check digit with a 6-digit Mailer ID', () => {
    const n = trackingNumber('701', '123456', ITEM_ID);
    expect(n).toMatch(/^93701123456\d{10}\d$/);
    expect(n.slice(11, 21)).toBe(impbSerial(ITEM_ID, 10));
    expect(isTrackingNumber(n)).toBe(true);
  });

  it('derives the serial from the item id, the same every time, and different items get different ones', () => {
    expect(impbSerial(ITEM_ID, 7)).toBe((BigInt(`0x${ITEM_ID}`) % 10_000_000n).toString().padStart(7, '0'));
    expect(trackingNumber('055', '912345678', ITEM_ID)).toBe(trackingNumber('055', '912345678', ITEM_ID));
    const ids = Array.from({ length: 200 }, (_, i) => createHash('sha256').update(String(i)).digest('hex').slice(0, 32));
    const serials = new Set(ids.map((id) => impbSerial(id, 7)));
    expect(serials.size).toBe(200);
    expect(() => impbSerial('not-an-id', 7)).toThrow();
  });

  it('refuses a malformed STC or Mailer ID', () => {
    expect(() => trackingNumber('55', '912345678', ITEM_ID)).toThrow();
    expect(() => trackingNumber('055', '12345678', ITEM_ID)).toThrow();
  });

  it('prints in groups of 4, as USPS does', () => {
    expect(spacedTrackingNumber('9205500000000000000000')).toBe('9205 5000 0000 0000 0000 00');
  });
});

describe('the Mailer ID setting', () => {
  it('defaults to the development MID, 999999999, and takes 6 or 9 digits', () => {
    expect(DEV_MAILER_ID).toBe('999999999');
    expect(mailerIdFrom(undefined)).toBe(DEV_MAILER_ID);
    expect(mailerIdFrom(' ')).toBe(DEV_MAILER_ID);
    expect(mailerIdFrom('123456')).toBe('123456');
    expect(mailerIdFrom('900000001')).toBe('900000001');
    for (const bad of ['12345', '1234567', '12345678A', '1234567890']) expect(() => mailerIdFrom(bad)).toThrow(/VAULTMETER_MAILER_ID/);
  });
});

describe('mail classes', () => {
  it('have one banner each, and an STC only where it was confirmed', () => {
    expect(mailClassLabel('PM')).toEqual({ banner: 'PRIORITY MAIL', stc: '055' });
    expect(mailClassLabel('PM-FRE')).toEqual({ banner: 'PRIORITY MAIL', stc: '055' });
    expect(mailClassLabel('PM-FRB-M')).toEqual({ banner: 'PRIORITY MAIL', stc: '055' });
    expect(mailClassLabel('PME')).toEqual({ banner: 'PRIORITY MAIL EXPRESS', stc: '701' });
    expect(mailClassLabel('GA')?.banner).toBe('USPS GROUND ADVANTAGE');
    expect(mailClassLabel('MM')?.banner).toBe('MEDIA MAIL');
    expect(mailClassLabel('FCM-LETTER')).toEqual({ banner: 'FIRST-CLASS MAIL', stc: null });
    expect(mailClassLabel('NOPE')).toBeUndefined();
    expect(mailClassLabel('toString')).toBeUndefined();
  });
});

describe('the IMpb of a rated item', () => {
  const source = { itemId: ITEM_ID, destination: '90012', rateCategory: 'PM', mailerId: '912345678' };

  it('routes on the ZIP or ZIP+4 (a delivery point loses its 2 digits)', () => {
    expect(routingZip('90012')).toBe('90012');
    expect(routingZip('900121234')).toBe('900121234');
    expect(routingZip('90012123456')).toBe('900121234');
    expect(() => routingZip('9001')).toThrow();
    expect(impbFor({ ...source, destination: '90012123456' })?.zip).toBe('900121234');
  });

  it('is none for a class without a confirmed STC', () => {
    expect(impbFor({ ...source, rateCategory: 'GA' })).toBeUndefined();
    expect(impbFor({ ...source, rateCategory: 'FCM-LETTER' })).toBeUndefined();
  });

  it('is the GS1-128 element string (420)ZIP(92)..., encoded with FNC1 first and between the two elements', () => {
    const impb = impbFor(source)!;
    expect(impb.trackingNumber.startsWith('92055912345678')).toBe(true);
    expect(impbElementString(impb)).toBe(`(420)90012(92)${impb.trackingNumber.slice(2)}`);
    const bars = gs1128Bars(impbElementString(impb));
    // Start C, FNC1, 420+ZIP as 4 digit pairs, FNC1, the 22 digits as 11 pairs, the symbol check
    // character: 11 modules each, then the 13-module stop.
    expect(bars.modulesWide).toBe(11 * (1 + 1 + 4 + 1 + 11 + 1) + 13);
    expect(bars.bars[0]).toEqual({ x: 0, w: 2 }); // Start C: 211232
  });
});
