import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkOutputs, keepAndWrite } from '../../../src/cli/commands/client-deliver.js';
import { listKept } from '../../../src/cli/item-store.js';
import type { PrintedItem } from '../../../src/sdk/index.js';

const vector = (
  JSON.parse(readFileSync(new URL('../../../docs/test-vectors/items-v1.json', import.meta.url), 'utf8')) as {
    items: { itemId: string; itemHex: string }[];
  }
).items[0]!;
const item: PrintedItem = {
  itemId: vector.itemId,
  itemSerial: 1n,
  amountMills: 730n,
  itemBytes: Buffer.from(vector.itemHex, 'hex'),
  arMills: 730n,
  drMills: 19_270n,
  controlTotalMills: 20_000n,
};
const opts = (out: string) => ({ out, stock: 'label-4x6', symbology: 'datamatrix' });

describe('where a paid item goes', () => {
  let dir: string;
  const saved = process.env.VAULTMETER_CLIENT_HOME;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vm-deliver-'));
    process.env.VAULTMETER_CLIENT_HOME = join(dir, 'client');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    if (saved === undefined) delete process.env.VAULTMETER_CLIENT_HOME;
    else process.env.VAULTMETER_CLIENT_HOME = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses, before anything is sent, an --out in a missing directory or onto a directory', async () => {
    await expect(checkOutputs(opts(join(dir, 'missing', 'x.bin')), null)).rejects.toMatchObject({
      code: 'out_unwritable',
      message: expect.stringMatching(/does not exist; nothing was sent/),
    });
    await mkdir(join(dir, 'x.bin.png'));
    await expect(checkOutputs(opts(join(dir, 'x.bin')), null)).rejects.toMatchObject({
      code: 'out_unwritable',
      message: expect.stringMatching(/is a directory/),
    });
    await mkdir(join(dir, 'label.pdf.item'));
    const printer = { stock: 'label-4x6', format: 'pdf', symbology: 'datamatrix' } as const;
    await expect(checkOutputs(opts(join(dir, 'label.pdf')), printer)).rejects.toMatchObject({ code: 'out_unwritable' });
    await expect(checkOutputs(opts(join(dir, 'ok.bin')), null)).resolves.toBeUndefined();
  });

  it('keeps the item, then writes --out', async () => {
    const out = join(dir, 'ok.bin');
    const files = await keepAndWrite('jane', opts(out), null, item);
    expect(files).toMatchObject({ file: out, png: `${out}.png` });
    expect((await readFile(out)).equals(item.itemBytes)).toBe(true);
    expect((await readFile(files.keptFile!)).equals(item.itemBytes)).toBe(true);
  });

  it('when --out fails after the debit, names the item, its value and the kept file, and the store lists it', async () => {
    const out = join(dir, 'gone', 'x.bin'); // the directory vanished between the check and the write
    const err = await keepAndWrite('jane', opts(out), null, item).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'item_not_written', extra: { itemId: item.itemId, amountMills: '730' } });
    const { keptFile } = (err as { extra: { keptFile: string } }).extra;
    expect((err as Error).message).toContain(item.itemId);
    expect((err as Error).message).toContain('$0.730');
    expect((err as Error).message).toContain(keptFile);
    expect((err as Error).message).toContain(`--export ${item.itemId}`);
    expect((await readFile(keptFile)).equals(item.itemBytes)).toBe(true);
    const page = await listKept('jane', { limit: 10, offset: 0 });
    expect(page.items.map((i) => [i.itemId, i.file])).toEqual([[item.itemId, keptFile]]);
  });

  it('when the store cannot keep it, --out is still written, with a warning that it is the only copy', async () => {
    await writeFile(join(dir, 'client'), 'not a directory');
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = join(dir, 'only.bin');
    const files = await keepAndWrite('jane', opts(out), null, item);
    expect(files.keptFile).toBeNull();
    expect((await readFile(out)).equals(item.itemBytes)).toBe(true);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(new RegExp(`item ${item.itemId} could not be kept.*only copy`));
  });

  it('when neither can be written, the error carries the item bytes themselves', async () => {
    await writeFile(join(dir, 'client'), 'not a directory');
    const err = await keepAndWrite('jane', opts(join(dir, 'gone', 'x.bin')), null, item).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'item_not_written', extra: { itemId: item.itemId, keptFile: null, itemBase64: item.itemBytes.toString('base64') } });
    expect((err as Error).message).toContain(item.itemBytes.toString('base64'));
    expect(existsSync(join(dir, 'gone'))).toBe(false);
  });
});
