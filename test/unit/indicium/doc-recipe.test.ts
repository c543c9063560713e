import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Runs the openssl recipe from docs/ITEM-FORMAT.md, as printed there, on the published test vectors.
const doc = readFileSync(new URL('../../../docs/ITEM-FORMAT.md', import.meta.url), 'utf8');
const vectors = JSON.parse(readFileSync(new URL('../../../docs/test-vectors/items-v1.json', import.meta.url), 'utf8')) as {
  key: { publicKeySpkiPem: string };
  items: { name: string; itemHex: string; itemId: string; signatureDerHex: string }[];
};
const recipe = /```sh\n([\s\S]*?)```/.exec(doc)?.[1];
const tools = ['openssl', 'xxd', 'od', 'stat'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'vm-recipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!tools)('ITEM-FORMAT.md openssl recipe', () => {
  it('is present in the document', () => {
    expect(recipe).toContain('openssl dgst -sha256 -verify');
  });

  it.each(vectors.items.map((v) => [v.name, v] as const))('verifies vector %s', (_name, v) => {
    writeFileSync(join(dir, 'pub.pem'), vectors.key.publicKeySpkiPem);
    writeFileSync(join(dir, 'item.hex'), v.itemHex);
    const r = spawnSync('sh', ['-ec', recipe!], { cwd: dir });
    const out = r.stdout.toString();
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(out).toContain('Verified OK');
    expect(out).toContain(`= ${v.itemId}`);
    expect(readFileSync(join(dir, 'sig.der')).toString('hex')).toBe(v.signatureDerHex);
  });

  it('fails for a tampered item', () => {
    const v = vectors.items[0]!;
    const bytes = Buffer.from(v.itemHex, 'hex');
    bytes[40]! ^= 1;
    writeFileSync(join(dir, 'pub.pem'), vectors.key.publicKeySpkiPem);
    writeFileSync(join(dir, 'item.hex'), bytes.toString('hex'));
    const r = spawnSync('sh', ['-ec', recipe!], { cwd: dir });
    expect(r.stdout.toString()).not.toContain('Verified OK');
  });
});
