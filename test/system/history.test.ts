import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MAX_HISTORY_PAGE } from '../../src/constants.js';
import { MeterClient, type HistoryItem, type Transaction } from '../../src/sdk/index.js';
import { fundAs, get, officerFlags, officerHeaders, post, letter } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

const PW = 'correct horse battery';
const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const postage = letter;

/** RFC 4180, enough for the export: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && ch === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else {
      field += ch;
    }
  }
  return rows;
}

const csvRecords = (text: string) => {
  const [header, ...lines] = parseCsv(text);
  return lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!])));
};

// GET /v1/items and GET /v1/meters/{meterId}/transactions on an unrated installation: pages, filters,
// status, CSV, who may see what, and the refusals.
describe('history', () => {
  let sys: TestSystem;
  let kim: MeterClient;
  let lou: MeterClient;
  const printed: string[] = [];
  const ids = { ticket: '', coupon: '', refunded: '', scanned: '' };
  const bearer = (c: MeterClient) => ({ authorization: `Bearer ${c.sessionToken}` });
  const items = (query: string, headers: Record<string, string>) => get(sys.url, `/v1/items${query}`, headers);

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    kim = await MeterClient.register(diskProfiles, sys.url, 'kim', PW);
    lou = await MeterClient.register(diskProfiles, sys.url, 'lou', PW);
    for (const u of ['kim', 'lou']) expect((await fundAs(sys.url, sys.officer, u, '500000')).status).toBe(200);
    await kim.balance();
    await lou.balance();
    for (let i = 1; i <= 7; i++) printed.push((await kim.print(postage(1000n + BigInt(i)))).itemId);
    ids.ticket = (await kim.issue('ticket', 2500n, { event: 'Match, "day"', seat: 'A-1', validFrom: today(), validTo: inDays(1) })).itemId;
    const coupon = await kim.issue('coupon', 1500n, { offer: 'Free pastry', expiry: inDays(10) });
    ids.coupon = coupon.itemId;
    expect((await post(sys.url, '/v1/redeem', { itemBase64: coupon.itemBytes.toString('base64'), location: 'till 1' })).status).toBe(200);
    ids.refunded = printed[1]!;
    await kim.refund(ids.refunded);
    const bytes = (await kim.print(postage(999n))).itemBytes; // printed, then scanned below
    ids.scanned = (await kim.history({ limit: 1 })).items[0]!.itemId;
    expect((await post(sys.url, '/v1/verify', { itemBase64: bytes.toString('base64'), location: 'plant' })).json.valid).toBe(true);
    expect((await post(sys.url, '/v1/admin/audit', { user: 'kim' }, officerHeaders(sys.officer))).status).toBe(200);
    await lou.print(postage(4242n));
  });
  afterAll(async () => sys?.stop());

  it('pages through every item newest first, with no duplicate and no gap', async () => {
    const seen: HistoryItem[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await kim.history({ limit: 3, cursor });
      expect(p.meterId).toBe(kim.meterId);
      expect(p.items.length).toBeLessThanOrEqual(3);
      seen.push(...p.items);
      cursor = p.next ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(10);
    expect(pages).toBe(4);
    expect(new Set(seen.map((i) => i.itemId)).size).toBe(10);
    expect(seen.map((i) => i.itemId)).toEqual(expect.arrayContaining([...printed, ids.ticket, ids.coupon, ids.scanned]));
    const times = seen.map((i) => i.issuedAt);
    expect([...times].sort().reverse()).toEqual(times);
    const all = [];
    for await (const i of kim.eachItem({ limit: 4 })) all.push(i.itemId);
    expect(all).toEqual(seen.map((i) => i.itemId));
  });

  it('shows each row as GET /v1/items/{itemId} does, with the postal facts', async () => {
    const { items: rows } = await kim.history({ limit: 50 });
    for (const row of rows) {
      const one = await get(sys.url, `/v1/items/${row.itemId}`, bearer(kim));
      expect(row, row.itemId).toMatchObject({
        status: one.json.status,
        kind: one.json.kind,
        amountMills: one.json.amountMills,
        itemSerial: one.json.itemSerial,
      });
      expect(row.issuedAt).toBe(one.json.printedAt);
    }
    const p = rows.find((r) => r.itemId === printed[0])!;
    expect(p).toMatchObject({
      kind: 'postage',
      amountMills: '1001',
      status: 'printed',
      date: today(),
      rateCategory: 'FCM-LETTER',
      rateTable: null,
      zone: null,
      destinationZip: '10001',
    });
    expect(rows.find((r) => r.itemId === ids.ticket)).toMatchObject({ kind: 'ticket', rateCategory: null, destinationZip: null });
  });

  it('filters by status, kind and day', async () => {
    const only = async (q: Parameters<MeterClient['history']>[0]) => (await kim.history(q)).items.map((i) => i.itemId).sort();
    expect(await only({ status: 'refunded' })).toEqual([ids.refunded]);
    expect(await only({ status: 'redeemed' })).toEqual([ids.coupon]);
    expect(await only({ status: 'scanned' })).toEqual([ids.scanned]);
    expect(await only({ status: 'printed' })).toEqual([...printed.filter((i) => i !== ids.refunded), ids.ticket].sort());
    expect(await only({ kind: 'ticket' })).toEqual([ids.ticket]);
    expect(await only({ kind: 'postage' })).toHaveLength(8);
    expect(await only({ kind: 'gift' })).toEqual([]);
    expect(await only({ kind: 'postage', status: 'refunded', from: today(), to: today() })).toEqual([ids.refunded]);
    expect(await only({ to: inDays(-1) })).toEqual([]);
    expect(await only({ from: inDays(1) })).toEqual([]);
    expect(await only({ from: inDays(-1), to: inDays(1) })).toHaveLength(10);
  });

  it('exports every matching item as CSV that parses back to the JSON rows', async () => {
    const res = await fetch(`${sys.url}/v1/items?format=csv`, { headers: bearer(kim) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="items-${kim.meterId}.csv"`);
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const json = (await kim.history({ limit: 50 })).items;
    const back = csvRecords(text);
    expect(back).toEqual(json.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v)]))));
    // Accept: text/csv chooses it too, with the same filters.
    const accepted = await fetch(`${sys.url}/v1/items?status=refunded`, { headers: { ...bearer(kim), accept: 'text/csv' } });
    expect(csvRecords(await accepted.text()).map((r) => r.itemId)).toEqual([ids.refunded]);
    expect(csvRecords(await kim.exportCsv('items', { kind: 'ticket' }))).toHaveLength(1);
  });

  it("keeps another customer's items and transactions out of sight", async () => {
    const mine = await items('', bearer(lou));
    expect(mine.status).toBe(200);
    expect(mine.json.items.map((i: HistoryItem) => i.amountMills)).toEqual(['4242']);
    for (const q of ['?user=kim', `?meterId=${kim.meterId}`]) {
      const r = await items(q, bearer(lou));
      expect(r.status, q).toBe(404);
      expect(r.json.code).toBe('not_found');
    }
    expect((await items('?user=lou', bearer(lou))).status).toBe(200);
    const theirs = await get(sys.url, `/v1/meters/${kim.meterId}/transactions`, bearer(lou));
    expect(theirs.status).toBe(404);
    expect((await items('', {})).status).toBe(401);
    expect((await get(sys.url, `/v1/meters/${kim.meterId}/transactions`, {})).status).toBe(401);
  });

  it("gives an officer any customer's items by user or meter id", async () => {
    const officer = officerHeaders(sys.officer);
    const byUser = await items('?user=kim&limit=50', officer);
    expect(byUser.status).toBe(200);
    expect(byUser.json.meterId).toBe(kim.meterId);
    expect(byUser.json.items).toEqual((await kim.history({ limit: 50 })).items);
    expect((await items(`?meterId=${lou.meterId}`, officer)).json.items).toHaveLength(1);
    expect((await items('', officer)).json.code).toBe('invalid_request');
    expect((await items('?user=nobody', officer)).status).toBe(404);
    expect((await items('?meterId=00000000-0000-4000-8000-000000000000', officer)).status).toBe(404);
    expect((await items(`?user=kim&meterId=${kim.meterId}`, officer)).status).toBe(400);
    const t = await get(sys.url, `/v1/meters/${kim.meterId}/transactions?kind=fund`, officer);
    expect(t.json.transactions).toHaveLength(1);
  });

  it('answers a bad cursor, date, limit or parameter with problem JSON, never a 500', async () => {
    const cases = [
      '?cursor=nonsense',
      `?cursor=${Buffer.from('2026-02-30T00:00:00.000000Z|x').toString('base64url')}`,
      '?from=2026-02-30',
      '?to=2026-1-01',
      '?from=2026-03-02&to=2026-03-01',
      '?limit=0',
      `?limit=${MAX_HISTORY_PAGE + 1}`,
      '?limit=-1',
      '?limit=ten',
      '?kind=stamp',
      '?status=lost',
      '?sort=asc',
      '?format=xml',
      '?format=csv&limit=5',
    ];
    for (const q of cases) {
      for (const path of [`/v1/items${q}`, `/v1/meters/${kim.meterId}/transactions${q.replace('status=lost', 'kind=print&status=x')}`]) {
        const r = await get(sys.url, path, bearer(kim));
        expect(r.status, path).toBe(400);
        expect(r.headers.get('content-type'), path).toContain('application/problem+json');
        expect(r.json.code, path).toBe('invalid_request');
      }
    }
    expect((await items(`?limit=${MAX_HISTORY_PAGE}`, bearer(kim))).status).toBe(200);
  });

  it("lists the meter's transactions with the registers after each, paged and exported", async () => {
    const all: Transaction[] = [];
    for await (const t of kim.eachTransaction({ limit: 4 })) all.push(t);
    expect(new Set(all.map((t) => t.eventId)).size).toBe(all.length);
    const count = (k: string) => all.filter((t) => t.kind === k).length;
    expect([count('fund'), count('print'), count('refund'), count('audit'), count('withdraw')]).toEqual([1, 10, 1, 1, 0]);
    expect(all.find((t) => t.kind === 'refund')).toMatchObject({ itemId: ids.refunded, amountMills: '1002' });
    // Oldest first, each event moves the registers as the meter does; the newest equals the balance.
    const chrono = [...all].reverse();
    let ar = 0n;
    let dr = 0n;
    for (const t of chrono) {
      const m = BigInt(t.amountMills);
      if (t.kind === 'print') {
        ar += m;
        dr -= m;
      }
      if (t.kind === 'fund' || t.kind === 'refund') dr += m;
      expect([t.arAfterMills, t.drAfterMills], t.eventId).toEqual([ar.toString(), dr.toString()]);
    }
    const b = await kim.balance();
    expect([all[0]!.arAfterMills, all[0]!.drAfterMills]).toEqual([b.arMills.toString(), b.drMills.toString()]);
    expect((await kim.transactions({ kind: 'print', limit: 2 })).transactions.every((t) => t.kind === 'print')).toBe(true);
    const csv = csvRecords(await kim.exportCsv('transactions'));
    expect(csv.map((r) => r.eventId)).toEqual(all.map((t) => t.eventId));
    expect(csv[0]).toMatchObject({ arAfterMills: b.arMills.toString(), drAfterMills: b.drMills.toString() });
  });

  it('records a withdrawal as a transaction, and the CLI lists, exports and pages', async () => {
    const cli = (args: string[]) => sys.cli(['client', ...args, '--user', 'lou', '--json']);
    const w = await sys.cli(['client', 'withdraw', '--user', 'lou', '--json']);
    expect(w.code, w.stderr).toBe(0);
    const t = await cli(['transactions', '--kind', 'withdraw']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json.transactions).toMatchObject([{ kind: 'withdraw', amountMills: '0', arAfterMills: '4242', drAfterMills: String(500000 - 4242) }]);
    const out = join(sys.dir, 'lou-transactions.csv');
    const e = await cli(['transactions', '--csv', '--out', out]);
    expect(e.code, e.stderr).toBe(0);
    expect(e.json.rows).toBe(3);
    expect(csvRecords(await readFile(out, 'utf8')).map((r) => r.kind)).toEqual(['withdraw', 'print', 'fund']);
    const page = await sys.cli(['client', 'history', '--user', 'kim', '--limit', '3', '--json']);
    expect(page.json.items).toHaveLength(3);
    const rest = await sys.cli(['client', 'history', '--user', 'kim', '--cursor', page.json.next, '--all', '--json']);
    expect(rest.json.items).toHaveLength(7);
    const human = await sys.cli(['client', 'history', '--user', 'kim', '--status', 'refunded']);
    expect(human.stdout).toContain(ids.refunded);
    expect(human.stdout).toMatch(/^issuedAt\s+itemId\s+kind/);
    const officer = officerFlags(sys.url, sys.officer);
    const admin = await sys.cli(['admin', 'history', '--user', 'kim', '--kind', 'ticket', ...officer, '--json']);
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.json.items.map((i: HistoryItem) => i.itemId)).toEqual([ids.ticket]);
    const bad = await sys.cli(['client', 'history', '--user', 'kim', '--limit', '501', '--json']);
    expect(bad.json.error.code).toBe('invalid_request');
  });
});
