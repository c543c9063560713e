import { describe, expect, it } from 'vitest';
import { encodeItem, encodeSignedBytes } from '../../../src/indicium/index.js';
import { reportCsv, reportSvg, stagedItem, type Report } from '../../../src/services/index.js';

// Issue 18 item 3: what staging keeps of an item (never its bytes), and the reports' CSV and chart.

const bytes = (rated: boolean, test = false) =>
  encodeItem(
    encodeSignedBytes({
      kind: 'postage',
      certSerialHex: 'ab'.repeat(16),
      meterId: '00000000-0000-4000-8000-000000000001',
      itemSerial: 7n,
      arAfterMills: 1000n,
      valueMills: 730n,
      date: '2026-11-30',
      softwareId: 'VM000100',
      ...(test ? { test: true } : {}),
      postage: {
        originZip: '90807',
        destination: '100010001',
        rateCategory: 'PM-FR-ENV',
        weightTenthOz: 12,
        ...(rated ? { rated: { rateTable: 'T-2026', zone: 5 } } : {}),
      },
    }),
    Buffer.alloc(64, 7),
  );

const item = (itemBytes: Buffer) => ({
  itemId: 'i1',
  meterId: '00000000-0000-4000-8000-000000000001',
  itemSerial: 7n,
  kind: 'postage',
  amountMills: 730n,
  itemBytes,
  createdAt: new Date('2026-11-30T10:00:00Z'),
  refundedAt: null,
});

describe('stagedItem', () => {
  it('keeps the class, zone, ZIPs and weight of the signed bytes, and no bytes', () => {
    const s = stagedItem(item(bytes(true)));
    expect(s).toMatchObject({ rateCategory: 'PM-FR-ENV', mailClass: 'PM', zone: 5, originZip: '90807', destZip5: '10001', weightTenthOz: 12, test: false });
    expect(Object.keys(s)).not.toContain('itemBytes');
    expect(JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).not.toContain('0707070707');
  });
  it('an unrated piece has no zone; a test item is marked; bytes that do not parse keep the amounts only', () => {
    expect(stagedItem(item(bytes(false))).zone).toBeNull();
    expect(stagedItem(item(bytes(true, true))).test).toBe(true);
    expect(stagedItem(item(Buffer.from('nonsense')))).toMatchObject({ amountMills: 730n, mailClass: null, zone: null, test: false });
  });
});

describe('report files', () => {
  const report: Report = {
    name: 'postage',
    from: '0001-01-01',
    to: '9999-12-31',
    columns: ['day', 'mail_class', 'zone', 'pieces', 'postage_mills'],
    rows: [
      ['2026-11-29', 'FCM', '1', 2n, 1460n],
      ['2026-11-29', 'PM, "big"', '', 1n, 9_223_372_036_854_775_807n],
      ['2026-11-30', 'FCM', '1', 1n, 730n],
    ],
  };
  it('CSV: a header, RFC 4180 quoting, bigint exact', () => {
    expect(reportCsv(report)).toBe(
      'day,mail_class,zone,pieces,postage_mills\r\n2026-11-29,FCM,1,2,1460\r\n2026-11-29,"PM, ""big""",,1,9223372036854775807\r\n2026-11-30,FCM,1,1,730\r\n',
    );
  });
  it('SVG: one bar per day (rows of a day summed), labels escaped, no script', () => {
    const svg = reportSvg(report);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain('2026-11-29: 9223372036854777267');
    expect(svg).not.toMatch(/<script|href=/);
    expect(reportSvg({ ...report, rows: [] })).toContain('no data');
    const line = reportSvg({ ...report, name: 'active-meters', columns: ['day', 'active_meters'], rows: [['2026-11-29', 3n]] });
    expect(line).toContain('<path d="M');
  });
});
