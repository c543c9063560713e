import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/runtime/init.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 15, item 5: the client never loses what it paid for, and a customer reaches a site that moved.
describe("the client's item store and a moved site", () => {
  let sys: TestSystem;
  const password = 'correct horse battery';
  const print = (out: string, more: string[] = []) =>
    sys.cli(['client', 'print', '--user', 'mira', '--amount', '0.73', '--from', '90807', '--to', '10001', '--out', out, '--json', ...more]);
  const balance = async () => (await sys.cli(['client', 'balance', '--user', 'mira', '--json'])).json;
  const items = async (more: string[] = []) => (await sys.cli(['client', 'items', '--user', 'mira', '--json', ...more])).json;

  beforeAll(async () => {
    sys = await startSystem();
    expect((await sys.cli(['client', 'register', '--server', sys.url, '--user', 'mira', '--password', password])).code).toBe(0);
    const officer = ['--officer', sys.officer.user, `--officer-password=${sys.officer.password}`, '--officer-key', sys.officer.keyFile];
    const fund = await sys.cli(['admin', 'fund', '--server', sys.url, '--user', 'mira', '--amount', '20.00', ...officer]);
    expect(fund.code, fund.stderr).toBe(0);
  });
  afterAll(async () => sys?.stop());

  it('refuses an --out in a missing directory before anything is debited (print and issue)', async () => {
    const before = await balance();
    const r = await print(join(sys.dir, 'no-such-dir', 'item.bin'));
    expect(r.code).toBe(1);
    expect(r.json.error.code).toBe('out_unwritable');
    expect(r.stderr).toMatch(/no-such-dir does not exist; nothing was sent/);
    const gift = await sys.cli([
      'client',
      'issue',
      '--user',
      'mira',
      '--kind',
      'gift',
      '--amount',
      '5',
      '--expiry',
      '2099-01-01',
      '--out',
      '/nonexistent/g.bin',
      '--json',
    ]);
    expect(gift.json.error.code).toBe('out_unwritable');
    expect(await balance()).toEqual(before);
    expect((await items()).total).toBe(0);
  });

  it('when --out fails after the debit, names the item and where it is kept; the kept item lists, exports and verifies', async () => {
    // /dev/full passes every check up front and then fails the write (ENOSPC), as a full disk does.
    const r = await print('/dev/full');
    expect(r.code).toBe(1);
    const err = r.json.error;
    expect(err).toMatchObject({ code: 'item_not_written', amountMills: '730' });
    expect(err.itemId).toMatch(/^[0-9a-f]{32}$/);
    expect(err.keptFile.startsWith(join(sys.env.VAULTMETER_CLIENT_HOME!, 'items', 'mira'))).toBe(true);
    expect(r.stderr).toContain(err.itemId);
    expect(r.stderr).toContain(err.keptFile);
    expect(r.stderr).toMatch(/\$0\.730 was paid for.*ENOSPC/);
    expect((await stat(err.keptFile)).mode & 0o777).toBe(0o600);
    expect((await balance()).drMills).toBe('19270');

    const listed = await items();
    expect(listed.total).toBe(1);
    expect(listed.items[0]).toMatchObject({ itemId: err.itemId, kind: 'postage', amountMills: '730', file: err.keptFile });
    expect(listed.items[0].meterId).toMatch(/^[0-9a-f-]{36}$/);

    const v = await sys.cli(['verify', err.keptFile, '--server', sys.url, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.json).toMatchObject({ valid: true, amountMills: '730', meterId: listed.items[0].meterId });

    const out = join(sys.dir, 'exported.bin');
    const ex = await sys.cli(['client', 'items', '--user', 'mira', '--export', err.itemId, '--out', out, '--json']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.json).toMatchObject({ itemId: err.itemId, file: out, png: `${out}.png` });
    expect((await readFile(out)).equals(await readFile(err.keptFile))).toBe(true);
    const vp = await sys.cli(['verify', `${out}.png`, '--server', sys.url, '--json']);
    expect(vp.json).toMatchObject({ valid: true, amountMills: '730' });
  });

  it('keeps every printed item, newest first, a page at a time', async () => {
    const out = join(sys.dir, 'ok.bin');
    const r = await print(out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.keptFile).toMatch(new RegExp(`${r.json.itemId}\\.item$`));
    const page = await items(['--limit', '1']);
    expect(page).toMatchObject({ total: 2, offset: 0, limit: 1 });
    expect(page.items.map((i: { itemId: string }) => i.itemId)).toEqual([r.json.itemId]);
    const next = await items(['--limit', '1', '--offset', '1']);
    expect(next.items).toHaveLength(1);
    expect(next.items[0].itemId).not.toBe(r.json.itemId);
  });

  it('client login --server logs in at that address and saves it in the profile', async () => {
    const profileFile = join(sys.env.VAULTMETER_CLIENT_HOME!, 'profiles', 'mira.json');
    const profile = JSON.parse(await readFile(profileFile, 'utf8'));
    // The site was rebuilt elsewhere: nothing answers at the address the profile holds any more.
    const oldUrl = `http://127.0.0.1:${await freePort(0)}`;
    await writeFile(profileFile, JSON.stringify({ ...profile, server: oldUrl }));
    const atOld = await sys.cli(['client', 'login', '--user', 'mira', '--password', password, '--json']);
    expect(atOld.json.error.code).toBe('unreachable');

    const moved = await sys.cli(['client', 'login', '--user', 'mira', '--password', password, '--server', sys.url, '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.json.server).toBe(sys.url);
    expect(JSON.parse(await readFile(profileFile, 'utf8')).server).toBe(sys.url);
    expect((await balance()).drMills).toBe('18540'); // no --server: the saved one

    // A login that fails at a mistyped address leaves the working one in place.
    const typo = await sys.cli(['client', 'login', '--user', 'mira', '--password', password, '--server', oldUrl, '--json']);
    expect(typo.json.error.code).toBe('unreachable');
    expect(JSON.parse(await readFile(profileFile, 'utf8')).server).toBe(sys.url);
    expect(existsSync(profileFile)).toBe(true);
  });
});
