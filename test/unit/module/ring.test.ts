import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCheckpointRecord, encodeCheckpoint, genesis, toWire, wireIsAuthentic, type Checkpoint } from '../../../src/module/checkpoint.js';
import { SoftwareCheckpointKeys } from '../../../src/module/software-crypto.js';
import { MAX_RING_SIZE, MIN_RING_SIZE, Ring } from '../../../src/module/ring.js';

const KEY = Buffer.alloc(32, 0x11);
const SERIAL = 'M-RING';
const CK = new SoftwareCheckpointKeys(KEY, SERIAL);
const T0 = Date.UTC(2026, 2, 14, 15, 0, 0);
const METER = '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-ring-'));
  path = join(dir, 'module.ring');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const load = (capacity = 3, serial = SERIAL, key = KEY, nowMs = T0) => Ring.load(path, new SoftwareCheckpointKeys(key, serial), serial, capacity, nowMs);

let tick = 0;
/** One transaction of `type`, with distinct registers so every entry is distinct. */
function tx(type: string, amountMills = 0n, meterId = METER) {
  tick += 1;
  return { meterId, type, amountMills, arMills: BigInt(tick), drMills: 100n, packageVersion: BigInt(tick), atMs: T0 + tick };
}

const seqs = (r: Ring) => r.entries.map((e) => e.seq);

describe('Ring.load', () => {
  it('creates a genesis ring file when there is none', async () => {
    const ring = await load();
    expect(ring.entries).toEqual([genesis(SERIAL, T0)]);
    expect(ring.inhibited).toBeNull();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file).toMatchObject({ format: 'vaultmeter-ring/1', serial: SERIAL });
    expect(typeof file.sealed).toBe('string');
  });

  it('seals the entries: the file holds no checkpoint field in clear', async () => {
    const ring = await load();
    await ring.append(tx('fund', 5000n));
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(METER);
    expect(text).not.toContain('genesis');
    expect(text).not.toContain('fund');
  });

  it('reads back the same ring it wrote', async () => {
    const a = await load();
    await a.append(tx('fund', 5000n));
    await a.append(tx('print', 730n));
    const b = await load(3, SERIAL, KEY, T0 + 999_999);
    expect(b.entries).toEqual(a.entries);
    expect(b.headWire()).toEqual(a.headWire());
  });

  it.each([0, 1, MIN_RING_SIZE - 1, MAX_RING_SIZE + 1, 100])('refuses a ring size of %i', async (n) => {
    await expect(load(n)).rejects.toThrow(/ring size/);
    await expect(stat(path)).rejects.toThrow();
  });
});

describe('Ring.append', () => {
  it('assigns the next seq and this module serial, and returns the new head wire', async () => {
    const ring = await load();
    const t = tx('provision');
    const wire = await ring.append(t);
    expect(ring.head).toMatchObject({ ...t, seq: 1n, moduleSerial: SERIAL });
    expect(wire).toEqual(await toWire(CK, ring.head));
    expect(await wireIsAuthentic(CK, wire)).toBe(true);
    expect(decodeCheckpointRecord(Buffer.from(wire.record, 'hex'))).toEqual({ ...ring.head, logHead: '' });
    expect(ring.headWire()).toEqual(wire);
  });

  it('keeps running totals of funded, printed and refunded value; other types add nothing', async () => {
    const ring = await load(5);
    const steps: [string, bigint][] = [
      ['fund', 10_000n],
      ['print', 730n],
      ['print', 1_000n],
      ['refund', 730n],
      ['fund', 2_500n],
      ['audit', 999n],
      ['print:insufficient_funds', 50_000n],
      ['withdraw', 77n],
      ['refund', 1_000n],
    ];
    let funded = 0n;
    let printed = 0n;
    let refunded = 0n;
    for (const [type, amount] of steps) {
      await ring.append(tx(type, amount));
      if (type === 'fund') funded += amount;
      if (type === 'print') printed += amount;
      if (type === 'refund') refunded += amount;
      expect(ring.head).toMatchObject({ type, amountMills: amount, fundedMills: funded, printedMills: printed, refundedMills: refunded });
    }
    expect([funded, printed, refunded]).toEqual([12_500n, 1_730n, 1_730n]);
    expect(ring.head.seq).toBe(BigInt(steps.length));
    // And after a reload, the totals continue from the stored head.
    const again = await load(5);
    await again.append(tx('fund', 1n));
    expect(again.head).toMatchObject({ seq: BigInt(steps.length + 1), fundedMills: 12_501n, printedMills: 1_730n, refundedMills: 1_730n });
  });

  it.each([3, 4, 5])('with capacity %i keeps only the newest entries, in memory and on disk', async (n) => {
    const ring = await load(n);
    for (let i = 1; i <= 8; i++) {
      await ring.append(tx('fund', 1n));
      const expected = Array.from({ length: Math.min(i + 1, n) }, (_, k) => BigInt(i + 1 - Math.min(i + 1, n) + k));
      expect(seqs(ring)).toEqual(expected);
    }
    expect(ring.head.fundedMills).toBe(8n);
    expect(seqs(await load(n))).toEqual(seqs(ring));
  });

  it('a ring reloaded with a smaller size keeps only that many entries', async () => {
    const big = await load(5);
    for (let i = 0; i < 6; i++) await big.append(tx('fund', 1n));
    expect(big.entries).toHaveLength(5);
    const small = await load(3);
    expect(seqs(small)).toEqual([4n, 5n, 6n]);
    // An entry beyond the configured size is no longer a permitted recovery point.
    expect((await small.match(await toWire(CK, big.entries[1]!))).kind).toBe('none');
  });

  it('leaves no temporary file behind', async () => {
    const ring = await load();
    for (let i = 0; i < 4; i++) await ring.append(tx('fund', 1n));
    expect(await readdir(dir)).toEqual(['module.ring']);
  });
});

describe('Ring.match', () => {
  async function ringOf(n: number, capacity = 5) {
    const ring = await load(capacity);
    const wires = [ring.headWire()];
    for (let i = 0; i < n; i++) wires.push(await ring.append(tx('fund', 1n)));
    return { ring, wires };
  }

  it('finds the head', async () => {
    const { ring, wires } = await ringOf(3);
    expect(await ring.match(wires[3]!)).toEqual({ kind: 'head' });
  });

  it('finds each older entry at its index', async () => {
    const { ring, wires } = await ringOf(4);
    for (let i = 0; i < 4; i++) expect(await ring.match(wires[i]!)).toEqual({ kind: 'older', index: i });
  });

  it('answers none for an entry pushed out of the ring', async () => {
    const { ring, wires } = await ringOf(6, 3);
    expect(seqs(ring)).toEqual([4n, 5n, 6n]);
    for (let i = 0; i <= 3; i++) expect(await ring.match(wires[i]!)).toEqual({ kind: 'none' });
    expect(await ring.match(wires[4]!)).toEqual({ kind: 'older', index: 0 });
  });

  it('answers none for an authentic checkpoint of this module that is not in the ring', async () => {
    const { ring } = await ringOf(2);
    // Same seq as the head, one field different: bytes must match exactly, not just the seq.
    expect(await ring.match(await toWire(CK, { ...ring.head, drMills: ring.head.drMills + 1n }))).toEqual({ kind: 'none' });
    expect(await ring.match(await toWire(CK, { ...ring.head, seq: ring.head.seq + 1n }))).toEqual({ kind: 'none' });
    expect(await ring.match(await toWire(CK, genesis(SERIAL, T0 - 1)))).toEqual({ kind: 'none' });
  });

  it('answers forged for a bad MAC, a changed record, or a MAC under another key', async () => {
    const { ring, wires } = await ringOf(2);
    const head = wires[2]!;
    const flipped = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
    expect(await ring.match({ ...head, mac: flipped(head.mac) })).toEqual({ kind: 'forged' });
    expect(await ring.match({ ...head, record: flipped(head.record) })).toEqual({ kind: 'forged' });
    expect(await ring.match(await toWire(new SoftwareCheckpointKeys(Buffer.alloc(32, 0x22), SERIAL), ring.head))).toEqual({ kind: 'forged' });
    expect(await ring.match({ record: 'not hex', mac: head.mac })).toEqual({ kind: 'forged' });
  });

  it('answers foreign for an authentic checkpoint of another module, even one equal in every other field', async () => {
    const { ring } = await ringOf(2);
    expect(await ring.match(await toWire(CK, { ...ring.head, moduleSerial: 'M-OTHER' }))).toEqual({ kind: 'foreign', serial: 'M-OTHER' });
    expect(await ring.match(await toWire(CK, genesis('M-OTHER', T0)))).toEqual({ kind: 'foreign', serial: 'M-OTHER' });
  });

  it('matches a null (never stored) checkpoint only while the head is the genesis entry', async () => {
    const ring = await load();
    expect(await ring.match(null)).toEqual({ kind: 'head' });
    await ring.append(tx('provision'));
    // Genesis is still in the ring as an older entry, but "nothing stored" is not a recovery point.
    expect(await ring.match(null)).toEqual({ kind: 'none' });
    await ring.rollbackTo(0);
    expect(await ring.match(null)).toEqual({ kind: 'head' });
  });

  it('null does not match a reseeded ring whose head is not a genesis entry', async () => {
    const ring = await load();
    await ring.reseed({ ...genesis(SERIAL, T0), seq: 0n, type: 'fund' });
    expect(await ring.match(null)).toEqual({ kind: 'none' });
  });
});

describe('Ring.rollbackTo', () => {
  it('drops and returns the entries newer than the index, oldest first, and persists', async () => {
    const ring = await load(5);
    for (let i = 0; i < 4; i++) await ring.append(tx('fund', 10n));
    const before = [...ring.entries];
    const discarded = await ring.rollbackTo(1);
    expect(discarded).toEqual(before.slice(2));
    expect(seqs(ring)).toEqual([0n, 1n]);
    expect(ring.head.fundedMills).toBe(10n);
    expect(seqs(await load(5))).toEqual([0n, 1n]);
  });

  it('continues from the rolled-back head: the next seq and totals follow it', async () => {
    const ring = await load(5);
    for (let i = 0; i < 3; i++) await ring.append(tx('fund', 10n));
    await ring.rollbackTo(1);
    await ring.append(tx('print', 3n));
    expect(ring.head).toMatchObject({ seq: 2n, fundedMills: 10n, printedMills: 3n });
  });

  it('to the head discards nothing', async () => {
    const ring = await load();
    await ring.append(tx('fund', 1n));
    expect(await ring.rollbackTo(ring.entries.length - 1)).toEqual([]);
    expect(seqs(ring)).toEqual([0n, 1n]);
  });
});

describe('Ring.inhibit and reseed', () => {
  it('an inhibition is kept across a reload', async () => {
    const ring = await load();
    await ring.inhibit('checkpoint not in the ring', T0 + 5);
    expect(ring.inhibited).toEqual({ atMs: T0 + 5, reason: 'checkpoint not in the ring' });
    const again = await load();
    expect(again.inhibited).toEqual({ atMs: T0 + 5, reason: 'checkpoint not in the ring' });
    expect(again.entries).toEqual(ring.entries);
  });

  it('reseed restarts the ring from one entry and clears the inhibition, persistently', async () => {
    const ring = await load(5);
    for (let i = 0; i < 3; i++) await ring.append(tx('fund', 10n));
    await ring.inhibit('test', T0);
    const seed: Checkpoint = { ...genesis(SERIAL, T0), seq: 41n, type: 'print', meterId: METER, fundedMills: 500n, printedMills: 200n, refundedMills: 7n };
    await ring.reseed(seed);
    expect(ring.entries).toEqual([seed]);
    expect(ring.inhibited).toBeNull();
    expect(await ring.match(await toWire(CK, seed))).toEqual({ kind: 'head' });
    const again = await load(5);
    expect(again.entries).toEqual([seed]);
    expect(again.inhibited).toBeNull();
    await again.append(tx('fund', 5n));
    expect(again.head).toMatchObject({ seq: 42n, fundedMills: 505n, printedMills: 200n, refundedMills: 7n });
  });

  it('a halt is kept across a reload and a reseed, and only clearHalt lets go of it', async () => {
    const ring = await load(5);
    await ring.append(tx('fund', 10n));
    await ring.halt('stale database suspected', T0 + 1);
    await ring.halt('a second reason does not replace the first', T0 + 2);
    expect(ring.halted).toEqual({ atMs: T0 + 1, reason: 'stale database suspected' });
    expect(ring.isNew).toBe(false);
    await ring.reseed({ ...genesis(SERIAL, T0), seq: 7n });
    const again = await load(5);
    expect(again.halted).toEqual({ atMs: T0 + 1, reason: 'stale database suspected' });
    await again.clearHalt();
    expect((await load(5)).halted).toBeNull();
  });
});

describe("the ring file refuses to load when it is not this module's good ring", () => {
  it('a changed byte in the sealed body', async () => {
    const ring = await load();
    await ring.append(tx('fund', 1n));
    const file = JSON.parse(await readFile(path, 'utf8'));
    const sealed = Buffer.from(file.sealed, 'base64');
    for (const i of [0, 12, 20, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[i] = bad[i]! ^ 0x01;
      await writeFile(path, JSON.stringify({ ...file, sealed: bad.toString('base64') }));
      await expect(load(), `byte ${i}`).rejects.toThrow(/fails authentication/);
    }
  });

  it('the ring of another module, also with its serial field edited', async () => {
    await load(3, 'M-OTHER');
    await expect(load(3, SERIAL)).rejects.toThrow(/not the ring of module M-RING/);
    const file = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...file, serial: SERIAL }));
    await expect(load(3, SERIAL)).rejects.toThrow(/fails authentication/);
  });

  it('a ring sealed under another checkpoint key', async () => {
    await load(3, SERIAL, Buffer.alloc(32, 0x99));
    await expect(load()).rejects.toThrow(/fails authentication/);
  });

  it('another file format', async () => {
    await load();
    const file = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...file, format: 'vaultmeter-ring/0' }));
    await expect(load()).rejects.toThrow(/not the ring/);
  });

  it('a truncated or garbage file: refused, never silently replaced by a fresh genesis ring', async () => {
    const ring = await load();
    await ring.append(tx('fund', 1n));
    const good = await readFile(path, 'utf8');
    for (const bad of [good.slice(0, good.length / 2), '', 'garbage', '{}']) {
      await writeFile(path, bad);
      await expect(load(), JSON.stringify(bad.slice(0, 20))).rejects.toThrow();
      expect(await readFile(path, 'utf8')).toBe(bad);
    }
  });
});

describe('crash safety', () => {
  it('a leftover temporary file from a crash mid-write does not disturb the last good ring', async () => {
    const ring = await load();
    await ring.append(tx('fund', 7n));
    const good = ring.headWire();
    // What a crash between open() and rename() leaves: a half-written temporary next to the ring.
    await writeFile(`${path}.0123456789ab.tmp`, '{"format":"vaultmeter-ring/1","serial":"M-RING","sealed":"AAAA');
    await writeFile(`${path}.ba9876543210.tmp`, Buffer.from([0, 1, 2, 255]));
    const again = await load();
    expect(again.headWire()).toEqual(good);
    expect(await again.match(good)).toEqual({ kind: 'head' });
    // And it keeps working: the next write replaces the ring, not the leftovers.
    await again.append(tx('print', 1n));
    expect((await load()).head.seq).toBe(2n);
  });

  it('a write that cannot complete leaves the ring, in memory and on disk, as it was', async () => {
    const ring = await load();
    await ring.append(tx('fund', 7n));
    const before = [...ring.entries];
    const goodFile = await readFile(path);
    // Make the rename onto the ring path fail: put a non-empty directory where the file was.
    await rm(path);
    await mkdir(join(path, 'blocker'), { recursive: true });
    await expect(ring.append(tx('print', 1n))).rejects.toThrow();
    expect(ring.entries).toEqual(before);
    await expect(ring.rollbackTo(0)).rejects.toThrow();
    expect(ring.entries).toEqual(before);
    await expect(ring.inhibit('x', T0)).rejects.toThrow();
    expect(ring.inhibited).toBeNull();
    await expect(ring.reseed(genesis(SERIAL, T0))).rejects.toThrow();
    expect(ring.entries).toEqual(before);
    // Once the disk is back, the ring continues from its last good state.
    await rm(path, { recursive: true });
    await writeFile(path, goodFile);
    await ring.append(tx('print', 1n));
    expect((await load()).entries.map((e) => e.seq)).toEqual([0n, 1n, 2n]);
    expect(ring.head.printedMills).toBe(1n);
  });

  it('every entry on disk re-encodes to the bytes whose MAC the database holds', async () => {
    const ring = await load(5);
    const wires = [ring.headWire()];
    for (let i = 0; i < 4; i++) wires.push(await ring.append(tx(i % 2 ? 'print' : 'fund', BigInt(i + 1))));
    const again = await load(5);
    again.entries.forEach((e, i) => expect(encodeCheckpoint(e).toString('hex')).toBe(wires[i]!.record));
  });
});
