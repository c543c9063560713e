import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeItem } from '../../../src/indicium/index.js';
import { MeterEngine } from '../../../src/module/engine.js';
import { OfficerDesk } from '../../../src/module/officer-desk.js';
import { installParams, RateStore } from '../../../src/module/rate-store.js';
import { Clock, dualControl, makeEngine, registeredMeter, rejectsWith, T0 } from '../helpers/engine.js';
import { bundleOf, tableRaw, zonesRaw } from '../rates/data.js';

// The module prices postage itself once two officers have installed a table: a server that sends
// another amount, another class or a table of its own making gets a refusal, and nothing is debited.

const JULY_2025 = bundleOf('usps-2025-07-13.json');

async function rated(clock = new Clock(), ratedPostage = false) {
  const made = await makeEngine(clock);
  const dir = await mkdtemp(join(tmpdir(), 'vm-rates-'));
  const logs: string[] = [];
  const store = await RateStore.load(dir, made.crypto.caCertPem, (l) => logs.push(l));
  const desk = new OfficerDesk(made.crypto, clock.now);
  const engine = new MeterEngine({ crypto: made.crypto, now: clock.now, random: randomBytes, refundWindowDays: 30, rates: () => store.book, ratedPostage });
  return { ...made, engine, dir, store, desk, logs };
}

describe('installing a rate table in the module', () => {
  it('takes two security officers signing its hash, keeps it on disk, and loads it again after a restart', async () => {
    const m = await rated();
    const r = await m.store.install(m.desk, JULY_2025.raw, dualControl('install_rates', installParams(JULY_2025)));
    expect(r).toMatchObject({ tableId: 'USPS-2025-07-13', installed: true, sha256: JULY_2025.sha256 });
    expect(r.authorizedBy).toHaveLength(2);
    const again = await RateStore.load(m.dir, m.crypto.caCertPem, () => {});
    expect(again.book.size).toBe(1);
    // The same bundle again: nothing new, and not a refusal.
    const same = await m.store.install(m.desk, JULY_2025.raw, dualControl('install_rates', installParams(JULY_2025)));
    expect(same.installed).toBe(false);
  });

  it('refuses one signature, a statement over another hash, a replay, and malformed tables', async () => {
    const m = await rated();
    const both = dualControl('install_rates', installParams(JULY_2025));
    await rejectsWith(() => m.store.install(m.desk, JULY_2025.raw, { ...both, signatures: [both.signatures[0]!] }), 'officer_signature_invalid');
    await rejectsWith(() => m.store.install(m.desk, JULY_2025.raw, { ...both, signatures: [both.signatures[0]!, both.signatures[0]!] }), 'dual_control');
    const cheaper = { table: tableRaw('usps-2025-07-13.json'), zones: zonesRaw() };
    (cheaper.table.classes as Record<string, { prices: { retail: number[][] } }>)['FCM-LETTER']!.prices.retail[0]![1] = 1;
    await rejectsWith(() => m.store.install(m.desk, cheaper, both), 'officer_signature_invalid');
    await rejectsWith(() => m.store.install(m.desk, { table: { format: 'x' }, zones: zonesRaw() }, both), 'rate_table_invalid');
    await m.store.install(m.desk, JULY_2025.raw, both);
    expect(m.store.book.size).toBe(1);
    const other = bundleOf('usps-2026-07-12.json');
    const replayed = { ...both, statement: { ...both.statement, params: installParams(other) } };
    await rejectsWith(() => m.store.install(m.desk, other.raw, replayed), 'officer_signature_invalid');
  });

  it('refuses, loudly, a bundle file changed on disk: it is never priced with', async () => {
    const m = await rated();
    await m.store.install(m.desk, JULY_2025.raw, dualControl('install_rates', installParams(JULY_2025)));
    const [file] = await readdir(m.dir);
    const path = join(m.dir, file!);
    const stored = JSON.parse(await readFile(path, 'utf8')) as { bundle: { table: { classes: Record<string, { prices: { retail: number[][] } }> } } };
    stored.bundle.table.classes['FCM-LETTER']!.prices.retail[0]![1] = 1;
    await writeFile(path, JSON.stringify(stored));
    const logs: string[] = [];
    const reloaded = await RateStore.load(m.dir, m.crypto.caCertPem, (l) => logs.push(l));
    expect(reloaded.book.size).toBe(0);
    expect(logs.join('\n')).toMatch(/ALARM: rate bundle .* refused/);
  });
});

describe('a print priced by the module', () => {
  async function fundedMeter() {
    const m = await rated();
    await m.store.install(m.desk, JULY_2025.raw, dualControl('install_rates', installParams(JULY_2025)));
    const c = await registeredMeter(m.engine, T0);
    await c.fund(100_000n);
    return { ...m, c };
  }
  const letter = { rateCategory: 'FCM-LETTER', weightTenthOz: '10', destination: '10001' };

  it('signs the price of the class and writes the table and the zone into the item (format 2)', async () => {
    const { c } = await fundedMeter();
    const r = await c.print(740n, letter);
    expect(r.error).toBeUndefined();
    const item = decodeItem(Buffer.from(r.item!, 'base64'));
    expect(item.signedBytes[2]).toBe(2);
    expect(item.data.kind === 'postage' && item.data.postage.rated).toEqual({ rateTable: 'USPS-2025-07-13', zone: 3 }); // Washington, DC to New York: about 205 miles;
    expect(c.ar).toBe(740n);
  });

  it('refuses another amount with rate_mismatch and the price, debiting nothing and spending the challenge', async () => {
    const { c } = await fundedMeter();
    const before = c.ar;
    const r = await c.print(10n, letter);
    expect(r.error?.code).toBe('rate_mismatch');
    expect(r.error?.extra).toMatchObject({ priceMills: '740', rateTable: 'USPS-2025-07-13' });
    expect(c.ar).toBe(before);
    expect((await c.print(1030n, { ...letter, weightTenthOz: '11' })).error).toBeUndefined();
  });

  it.each([
    ['an unknown class', { rateCategory: 'NOPE' }, 'unknown_rate_class'],
    ['a weight over the class limit', { weightTenthOz: '36' }, 'weight_over_limit'],
    ['a ZIP with no area', { destination: '00000' }, 'unknown_zip'],
    ['bad dimensions', { dimsTenthIn: '12x' }, 'invalid_dimensions'],
    ['an unknown tier', { tier: 'cheap' }, 'unknown_rate_class'],
    ['a malformed weight', { weightTenthOz: 'x' }, 'invalid_request'],
  ])('refuses %s, debiting nothing', async (_what, overrides, code) => {
    const { c } = await fundedMeter();
    const r = await c.print(740n, { ...letter, ...overrides });
    expect(r.error?.code).toBe(code);
    expect(c.ar).toBe(0n);
  });

  it('leaves tickets and other kinds at the amount the client asks', async () => {
    const { c } = await fundedMeter();
    const r = await c.send('print', { kind: 'gift', amountMills: '5000', expiry: '2026-04-01' });
    expect(r.error).toBeUndefined();
  });

  it('refuses postage on a rated installation whose module lost its tables, instead of printing it at any amount', async () => {
    const m = await rated(new Clock(), true);
    const c = await registeredMeter(m.engine, T0);
    await c.fund(100_000n);
    expect((await c.print(1n, letter)).error?.code).toBe('no_rate_table');
    expect(c.ar).toBe(0n);
    expect((await c.send('print', { kind: 'gift', amountMills: '5000', expiry: '2026-04-01' })).error).toBeUndefined();
  });
});
