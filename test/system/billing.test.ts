import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { pdfText } from '../unit/labels/fixtures.js';
import { fundAs, get, letter, officerHeaders, post } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 14 item 5 against real processes: a customer chooses a plan, prints, and is invoiced for a
// month that is over, once; the invoice is a PDF. The month "passes" by moving this customer's rows
// back a month in the database, as the owner (the server's clock is the real one).

const PASSWORD = 'correct horse battery';

function lastMonth(now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

describe('pricing plans and invoices', () => {
  let sys: TestSystem;
  let ann: MeterClient;
  const month = lastMonth();
  const customer = (...args: string[]) => sys.cli(['client', ...args, '--user', 'ann', '--json']);

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '2' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    ann = await MeterClient.register(diskProfiles, sys.url, 'ann', PASSWORD);
    expect((await fundAs(sys.url, sys.officer, 'ann', 100_000n)).status).toBe(200);
  }, 120_000);
  afterAll(async () => sys?.stop());

  it('lists the plans publicly; a customer starts on the default and chooses another; a bad plan changes nothing', async () => {
    const plans = await get(sys.url, '/v1/plans');
    expect(plans.json.plans.map((p: { plan: string }) => p.plan)).toEqual(['pay_as_you_go', 'standard', 'business']);
    expect((await customer('plan')).json).toMatchObject({ plan: 'pay_as_you_go', selectedAt: null });
    const bad = await customer('plan', '--set', 'platinum');
    expect(bad.json.error.code).toBe('invalid_request');
    expect((await customer('plan', '--set', 'standard')).json).toMatchObject({ plan: 'standard', monthlyFeeMills: '15990', perLabelFeeMills: '10' });
    expect((await get(sys.url, '/v1/plan')).json.code).toBe('unauthorized');
  });

  it('invoices a month that is over, once: the fee plus the labels printed and not refunded; the PDF shows it', async () => {
    const items = [await ann.print(letter(730n)), await ann.print(letter(730n)), await ann.print(letter(730n))];
    await ann.refund(items[0]!.itemId);
    const run = (m: string) => post(sys.url, '/v1/admin/billing/run', { month: m }, officerHeaders(sys.officer));
    expect((await run(new Date().toISOString().slice(0, 7))).json.code).toBe('invalid_request');
    expect((await run('2026-13')).json.code).toBe('invalid_request');
    // Last month: ann registered and printed then (her rows moved back one month).
    const db = await sys.ownerDb();
    try {
      await db.query("UPDATE membership.customers SET registered_at = registered_at - interval '1 month' WHERE username = 'ann'");
      await db.query("UPDATE postal.items SET created_at = created_at - interval '1 month' WHERE meter_id = $1", [ann.meterId]);
    } finally {
      await db.end();
    }
    const first = await sys.cli([
      'admin',
      'billing',
      'run',
      '--month',
      month,
      '--server',
      sys.url,
      '--officer',
      sys.officer.user,
      '--officer-password',
      sys.officer.password,
      '--json',
    ]);
    expect(first.json, first.stderr).toMatchObject({ month, invoiced: 1, more: false });
    expect((await run(month)).json).toMatchObject({ invoiced: 0 });
    const list = (await customer('invoices')).json.invoices;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ month, plan: 'standard', totalMills: '16010' });
    expect(list[0].lines.map((l: { quantity: number }) => l.quantity)).toEqual([1, 2]);
    const out = join(await mkdtemp(join(sys.dir, 'inv-')), 'invoice.pdf');
    expect((await customer('invoices', '--pdf', list[0].invoiceId, '--out', out)).json).toMatchObject({ out });
    const text = (await pdfText(await readFile(out))).replace(/\s+/g, ' ');
    for (const s of [`Invoice for ${month}`, 'Account: ann', '2 x $0.01', 'Total', '$16.01']) expect(text).toContain(s);
    // Another customer sees none of it.
    const bob = await MeterClient.register(diskProfiles, sys.url, 'bob', PASSWORD);
    const theirs = await get(sys.url, `/v1/invoices/${list[0].invoiceId}/pdf`, bob.sessionHeaders());
    expect(theirs.json.code).toBe('not_found');
    expect((await get(sys.url, '/v1/invoices', bob.sessionHeaders())).json.invoices).toEqual([]);
  });
});
