import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findKept, itemsDir, keepItem, listKept } from '../../../src/cli/item-store.js';

interface Vector {
  name: string;
  itemId: string;
  itemHex: string;
  fields: { kind: string; meterId: string; valueMills: string; date: string };
}
const vectors = (JSON.parse(readFileSync(new URL('../../../docs/test-vectors/items-v1.json', import.meta.url), 'utf8')) as { items: Vector[] }).items;
const bytesOf = (v: Vector) => Buffer.from(v.itemHex, 'hex');
const at = (i: number) => new Date(Date.UTC(2026, 2, 14, 12, 0, i));

describe("the client's item store", () => {
  let home: string;
  const saved = process.env.VAULTMETER_CLIENT_HOME;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'vm-items-'));
    process.env.VAULTMETER_CLIENT_HOME = join(home, 'client');
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.VAULTMETER_CLIENT_HOME;
    else process.env.VAULTMETER_CLIENT_HOME = saved;
    await rm(home, { recursive: true, force: true });
  });

  it('keeps the exact item bytes in a 0600 file in a 0700 per-user directory, with no temp file left', async () => {
    const v = vectors[0]!;
    const file = await keepItem('jane doe', v.itemId, bytesOf(v), at(1));
    expect(file).toBe(join(itemsDir('jane doe'), `20260314T120001000Z-${v.itemId}.item`));
    expect(itemsDir('jane doe')).toBe(join(home, 'client', 'items', 'jane%20doe'));
    expect((await readFile(file)).equals(bytesOf(v))).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(itemsDir('jane doe'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, 'client', 'items'))).mode & 0o777).toBe(0o700);
    expect(await readdir(itemsDir('jane doe'))).toEqual([`20260314T120001000Z-${v.itemId}.item`]);
  });

  it('refuses a name that is not an item id (it becomes part of a path)', async () => {
    await expect(keepItem('jane', '../../evil', bytesOf(vectors[0]!))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('lists newest first, with what each item says of itself, and pages with limit and offset', async () => {
    for (let i = 0; i < vectors.length; i++) await keepItem('jane', vectors[i]!.itemId, bytesOf(vectors[i]!), at(i));
    const all = await listKept('jane', { limit: 100, offset: 0 });
    expect(all.total).toBe(vectors.length);
    expect(all.problems).toEqual([]);
    expect(all.items.map((i) => i.itemId)).toEqual([...vectors].reverse().map((v) => v.itemId));
    const newest = vectors[vectors.length - 1]!;
    expect(all.items[0]).toMatchObject({
      itemId: newest.itemId,
      kind: newest.fields.kind,
      amountMills: BigInt(newest.fields.valueMills),
      meterId: newest.fields.meterId,
      date: newest.fields.date,
      keptAt: at(vectors.length - 1).toISOString(),
    });
    const second = await listKept('jane', { limit: 2, offset: 2 });
    expect(second.total).toBe(vectors.length);
    expect(second.items.map((i) => i.itemId)).toEqual(all.items.slice(2, 4).map((i) => i.itemId));
  });

  it('lists nothing for a user who kept nothing', async () => {
    expect(await listKept('nobody', { limit: 10, offset: 0 })).toEqual({ total: 0, offset: 0, items: [], problems: [] });
  });

  it('reports a damaged file, a file that is another item, and an interrupted write, and lists the rest', async () => {
    const [a, b, c] = vectors as [Vector, Vector, Vector];
    await keepItem('jane', a.itemId, bytesOf(a), at(1));
    const damaged = await keepItem('jane', b.itemId, bytesOf(b), at(2));
    await writeFile(damaged, bytesOf(b).subarray(0, 40));
    const swapped = await keepItem('jane', c.itemId, bytesOf(a), at(3));
    const leftover = join(itemsDir('jane'), `20260314T120004000Z-${c.itemId}.item.abc123.tmp`);
    await writeFile(leftover, bytesOf(c));
    const page = await listKept('jane', { limit: 10, offset: 0 });
    expect(page.items.map((i) => i.itemId)).toEqual([a.itemId]);
    expect(page.total).toBe(3);
    const problems = Object.fromEntries(page.problems.map((p) => [p.file, p.reason]));
    expect(Object.keys(problems).sort()).toEqual([damaged, swapped, leftover].sort());
    expect(problems[damaged]).toMatch(/too short/);
    expect(problems[swapped]).toMatch(new RegExp(`not item ${c.itemId}`));
    expect(problems[leftover]).toMatch(/interrupted write/);
    await expect(findKept('jane', b.itemId)).rejects.toThrow(/too short/);
  });

  it('finds a kept item and its bytes by id, and nothing for an unknown id', async () => {
    const [a, b] = vectors as [Vector, Vector];
    await keepItem('jane', a.itemId, bytesOf(a), at(1));
    await keepItem('jane', b.itemId, bytesOf(b), at(2));
    const found = await findKept('jane', a.itemId);
    expect(found?.item.itemId).toBe(a.itemId);
    expect(found?.bytes.equals(bytesOf(a))).toBe(true);
    expect(await findKept('jane', 'f'.repeat(32))).toBeNull();
  });
});
