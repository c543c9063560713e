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

describe('ITEM-FORMAT.md kind element examples and sizes', () => {
  const items = JSON.parse(readFileSync(new URL('../../../docs/test-vectors/items-v1.json', import.meta.url), 'utf8')).items as {
    name: string;
    signedBytesHex: string;
  }[];
  // "Example, the `name` test vector ... `00 LL` at offset 73 ...", then a plain ``` block (no other fence between).
  const examples = [
    ...doc.matchAll(/Example, the `([a-z0-9-]+)` test vector(?:(?!```)[\s\S])*?`00 ([0-9A-F]{2})` at offset 73(?:(?!```)[\s\S])*?```\n([\s\S]*?)```/g),
  ];

  it('has a byte dump for the ticket and coupon layouts', () => {
    expect(examples.map((m) => m[1])).toEqual(expect.arrayContaining(['ticket-seated', 'coupon-percent-off']));
  });

  it.each(examples.map((m) => [m[1]!, m] as const))('dumps the body of vector %s byte for byte', (name, m) => {
    const v = items.find((i) => i.name === name)!;
    const signed = Buffer.from(v.signedBytesHex, 'hex');
    // Each dump line: hex bytes, then two or more spaces, then a note.
    const hex = m[3]!
      .split('\n')
      .map((line) => line.split(/ {2,}/)[0]!.trim())
      .join(' ')
      .split(/\s+/)
      .filter(Boolean)
      .join('');
    expect(hex.toLowerCase()).toBe(signed.subarray(75).toString('hex'));
    expect(parseInt(m[2]!, 16)).toBe(signed.length - 75);
  });

  it('dumps the gift body inline', () => {
    const v = items.find((i) => i.name === 'gift-one-year')!;
    const m = /`gift-one-year` test vector:\s*`00 04` at offset 73, then `([0-9A-F ]+)`/.exec(doc);
    expect(m?.[1]?.replace(/ /g, '').toLowerCase()).toBe(Buffer.from(v.signedBytesHex, 'hex').subarray(75).toString('hex'));
  });

  it('gives body and item length ranges that match the layouts and their text limits', () => {
    const ranges: Record<string, [number, number]> = {
      postage: [5 + 1 + 5 + 1 + 1 + 2, 5 + 1 + 11 + 1 + 16 + 2],
      ticket: [1 + 1 + 1 + 0 + 8, 1 + 64 + 1 + 32 + 8],
      coupon: [1 + 1 + 4, 1 + 64 + 4],
      voucher: [1 + 1 + 4, 1 + 64 + 4],
      gift: [4, 4],
    };
    for (const [kind, [lo, hi]] of Object.entries(ranges)) {
      const row = new RegExp(`^\\| ${kind} +\\| \\d \\| ([^|]+)\\| ([^|]+)\\|$`, 'm').exec(doc);
      expect(row, kind).not.toBeNull();
      const span = (a: number, b: number) => (a === b ? `${a}` : `${a} to ${b}`);
      expect(row![1]!.trim(), kind).toBe(span(lo, hi));
      expect(row![2]!.trim(), kind).toBe(span(75 + lo + 64, 75 + hi + 64));
    }
  });
});
