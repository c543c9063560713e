import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from './harness.js';

// `client print --format … --stock …` writes a label; `verify` reads the barcode back off it.
describe('printing labels from the CLI', () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startSystem();
    const s = ['--server', sys.url];
    expect((await sys.cli(['client', 'register', ...s, '--user', 'lena', '--password', 'correct horse battery'])).code).toBe(0);
    const fund = await sys.cli([
      'admin',
      'fund',
      ...s,
      '--user',
      'lena',
      '--amount',
      '50.00',
      '--officer',
      sys.officer.user,
      `--officer-password=${sys.officer.password}`,
      '--officer-key',
      sys.officer.keyFile,
    ]);
    expect(fund.code, fund.stderr).toBe(0);
  });
  afterAll(async () => sys?.stop());

  const cases: [string, string, string][] = [
    ['label-4x6', 'pdf', 'datamatrix'],
    ['label-4x6', 'png', 'pdf417'],
    ['label-4x6', 'zpl', 'datamatrix'],
    ['envelope-10', 'pdf', 'pdf417'],
    ['letter', 'pdf', 'datamatrix'],
  ];
  it.each(cases)('%s as %s (%s) prints and verifies', async (stock, format, symbology) => {
    const out = join(sys.dir, `${stock}.${format}`);
    const r = await sys.cli([
      'client',
      'print',
      '--user',
      'lena',
      '--amount',
      '0.73',
      '--from',
      '90807',
      '--to',
      '100011234',
      '--out',
      out,
      '--format',
      format,
      '--stock',
      stock,
      '--symbology',
      symbology,
      '--address',
      'JANE Q PUBLIC',
      '--address',
      '1 MAIN ST',
      '--address',
      'NEW YORK NY 10001-1234',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ label: out, itemFile: `${out}.item`, format, stock });
    const label = await readFile(out);
    if (format === 'zpl') {
      expect(label.toString('latin1')).toMatch(symbology === 'datamatrix' ? /\^BX/ : /\^B7/);
      const v = await sys.cli(['verify', `${out}.item`, '--server', sys.url, '--json']);
      expect(v.json.valid).toBe(true);
      return;
    }
    const v = await sys.cli(['verify', out, '--server', sys.url, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json).toMatchObject({ valid: true, amountMills: '730' });
    expect(v.json.item.itemSerial).toBeDefined();
  });

  it('refuses an impossible stock/format before anything is debited', async () => {
    const before = (await sys.cli(['client', 'balance', '--user', 'lena', '--json'])).json;
    const r = await sys.cli([
      'client',
      'print',
      '--user',
      'lena',
      '--amount',
      '0.73',
      '--from',
      '90807',
      '--to',
      '10001',
      '--out',
      join(sys.dir, 'x.zpl'),
      '--format',
      'zpl',
      '--stock',
      'envelope-10',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(r.json.error.code).toBe('invalid_request');
    expect((await sys.cli(['client', 'balance', '--user', 'lena', '--json'])).json).toEqual(before);
  });

  it('records a test print in the printer profile', async () => {
    const out = join(sys.dir, 'test-label.png');
    const r = await sys.cli(['client', 'printer', 'test', '--user', 'lena', '--format', 'png', '--stock', 'label-4x6', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.printer).toMatchObject({ stock: 'label-4x6', format: 'png', symbology: 'datamatrix', barcodeDecoded: true });
    const list = await sys.cli(['client', 'printer', 'list', '--user', 'lena', '--json']);
    expect(list.json.printers).toHaveLength(1);
    // The test label carries no value: it does not verify as an item.
    const v = await sys.cli(['verify', out, '--server', sys.url, '--json']);
    expect(v.code).toBe(1);
    expect(v.json.error.code).toBe('unsupported_file');
  });
});
