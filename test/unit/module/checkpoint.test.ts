import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkpointFromJson,
  checkpointToJson,
  decodeCheckpointRecord,
  encodeCheckpoint,
  genesis,
  toWire,
  wireIsAuthentic,
  type Checkpoint,
  type CheckpointWire,
} from '../../../src/module/checkpoint.js';
import { SoftwareCheckpointKeys } from '../../../src/module/software-crypto.js';
import { canonicalBytes, decodeCanonical } from '../../../src/protocol/canonical.js';

const KEY_BYTES = Buffer.alloc(32, 0x5a);
const KEY = new SoftwareCheckpointKeys(KEY_BYTES, 'M-0001');
const OTHER_KEY = new SoftwareCheckpointKeys(Buffer.alloc(32, 0xa5), 'M-0001');
const DOMAIN = 'vaultmeter/checkpoint/v1';

const SAMPLE: Checkpoint = {
  seq: 17n,
  moduleSerial: 'M-0001',
  meterId: '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f',
  type: 'print',
  amountMills: 730n,
  arMills: 1_730n,
  drMills: 8_270n,
  packageVersion: 42n,
  atMs: Date.UTC(2026, 2, 14, 15, 0, 0),
  fundedMills: 10_000n,
  printedMills: 1_730n,
  refundedMills: 0n,
  logSeq: 23n,
  logHead: 'ab'.repeat(32),
};

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const text = fc.string({ maxLength: 40 });
const checkpointArb: fc.Arbitrary<Checkpoint> = fc.record({
  seq: u64,
  moduleSerial: text,
  meterId: text,
  type: text,
  amountMills: u64,
  arMills: u64,
  drMills: u64,
  packageVersion: u64,
  atMs: fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }),
  fundedMills: u64,
  printedMills: u64,
  refundedMills: u64,
  logSeq: u64,
  logHead: fc.constant(''),
});

/** Flip one bit of the hex string at byte `i`. */
function flipHex(h: string, i: number): string {
  const b = Buffer.from(h, 'hex');
  b[i] = b[i]! ^ 0x01;
  return b.toString('hex');
}

describe('encodeCheckpoint', () => {
  it('is canonical bytes under the checkpoint domain, with every field as a decimal string', async () => {
    const fields = decodeCanonical(DOMAIN, encodeCheckpoint(SAMPLE));
    expect(fields).toEqual({
      seq: '17',
      moduleSerial: 'M-0001',
      meterId: SAMPLE.meterId,
      type: 'print',
      amountMills: '730',
      arMills: '1730',
      drMills: '8270',
      packageVersion: '42',
      atMs: String(SAMPLE.atMs),
      fundedMills: '10000',
      printedMills: '1730',
      refundedMills: '0',
      logSeq: '23',
    });
  });

  it('is deterministic', async () => {
    expect(encodeCheckpoint({ ...SAMPLE })).toEqual(encodeCheckpoint(SAMPLE));
  });

  it('does not carry the log chain hash, which the ring keeps beside it', async () => {
    expect(encodeCheckpoint({ ...SAMPLE, logHead: 'cd'.repeat(32) }).equals(encodeCheckpoint(SAMPLE))).toBe(true);
  });

  it.each((Object.keys(SAMPLE) as (keyof Checkpoint)[]).filter((f) => f !== 'logHead'))('changes when %s changes', (field) => {
    const v = SAMPLE[field];
    const changed = typeof v === 'bigint' ? v + 1n : typeof v === 'number' ? v + 1 : `${v}x`;
    expect(encodeCheckpoint({ ...SAMPLE, [field]: changed }).equals(encodeCheckpoint(SAMPLE))).toBe(false);
  });
});

describe('toWire and wireIsAuthentic', () => {
  it('carries the record in hex and HMAC-SHA-256 of it under the key', async () => {
    const w = await toWire(KEY, SAMPLE);
    const record = encodeCheckpoint(SAMPLE);
    expect(w.record).toBe(record.toString('hex'));
    expect(w.mac).toBe(createHmac('sha256', KEY_BYTES).update(record).digest('hex'));
    expect(await wireIsAuthentic(KEY, w)).toBe(true);
  });

  it('refuses a MAC under another key', async () => {
    expect(await wireIsAuthentic(OTHER_KEY, await toWire(KEY, SAMPLE))).toBe(false);
    expect(await wireIsAuthentic(KEY, await toWire(OTHER_KEY, SAMPLE))).toBe(false);
  });

  it('refuses any single flipped bit in the record or the MAC', async () => {
    const w = await toWire(KEY, SAMPLE);
    const recordBytes = w.record.length / 2;
    for (let i = 0; i < recordBytes; i++) expect(await wireIsAuthentic(KEY, { ...w, record: flipHex(w.record, i) }), `record byte ${i}`).toBe(false);
    for (let i = 0; i < 32; i++) expect(await wireIsAuthentic(KEY, { ...w, mac: flipHex(w.mac, i) }), `mac byte ${i}`).toBe(false);
  });

  it('refuses a record with the MAC of another record (swap)', async () => {
    const a = await toWire(KEY, SAMPLE);
    const b = await toWire(KEY, { ...SAMPLE, seq: SAMPLE.seq + 1n });
    expect(await wireIsAuthentic(KEY, { record: a.record, mac: b.mac })).toBe(false);
  });

  it('refuses malformed hex, truncation and extension', async () => {
    const w = await toWire(KEY, SAMPLE);
    const bad: CheckpointWire[] = [
      { record: '', mac: w.mac },
      { record: w.record, mac: '' },
      { record: w.record.slice(0, -1), mac: w.mac },
      { record: w.record.slice(0, -2), mac: w.mac },
      { record: `${w.record}00`, mac: w.mac },
      { record: w.record, mac: w.mac.slice(0, -2) },
      { record: w.record, mac: `${w.mac}00` },
      { record: `zz${w.record.slice(2)}`, mac: w.mac },
      { record: w.record, mac: `zz${w.mac.slice(2)}` },
    ];
    for (const b of bad) expect(await wireIsAuthentic(KEY, b), JSON.stringify(b).slice(0, 80)).toBe(false);
  });

  it('answers false, without throwing, for a wire of the wrong shape', async () => {
    const w = await toWire(KEY, SAMPLE);
    const shapes: unknown[] = [
      undefined,
      null,
      'a string',
      42,
      {},
      { record: w.record },
      { mac: w.mac },
      { record: 1234, mac: w.mac },
      { record: w.record, mac: 1234 },
      { record: [w.record], mac: w.mac },
    ];
    for (const s of shapes) expect(await wireIsAuthentic(KEY, s as CheckpointWire), JSON.stringify(s)?.slice(0, 60)).toBe(false);
  });

  it('holds for any checkpoint, and only under its own key', async () => {
    await fc.assert(
      fc.asyncProperty(checkpointArb, async (c) => {
        const w = await toWire(KEY, c);
        expect(await wireIsAuthentic(KEY, w)).toBe(true);
        expect(await wireIsAuthentic(OTHER_KEY, w)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('decodeCheckpointRecord', () => {
  it('decodes what encodeCheckpoint wrote, for any checkpoint', async () => {
    fc.assert(
      fc.property(checkpointArb, (c) => {
        const record = encodeCheckpoint(c);
        const back = decodeCheckpointRecord(record);
        expect(back).toEqual(c);
        expect(encodeCheckpoint(back!).equals(record)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes the record of a wire back to the checkpoint', async () => {
    const w = await toWire(KEY, SAMPLE);
    expect(decodeCheckpointRecord(Buffer.from(w.record, 'hex'))).toEqual({ ...SAMPLE, logHead: '' });
  });

  it('returns null for another domain, truncation, garbage and non-numeric amounts', async () => {
    const record = encodeCheckpoint(SAMPLE);
    const fields = decodeCanonical(DOMAIN, record)!;
    expect(decodeCheckpointRecord(canonicalBytes('vaultmeter/other/v1', fields))).toBeNull();
    expect(decodeCheckpointRecord(record.subarray(0, record.length - 1))).toBeNull();
    expect(decodeCheckpointRecord(Buffer.alloc(0))).toBeNull();
    expect(decodeCheckpointRecord(randomBytes(64))).toBeNull();
    expect(decodeCheckpointRecord(canonicalBytes(DOMAIN, { ...fields, seq: 'seventeen' }))).toBeNull();
    expect(decodeCheckpointRecord(canonicalBytes(DOMAIN, { ...fields, drMills: '1.5' }))).toBeNull();
    const { seq: _seq, ...noSeq } = fields;
    expect(decodeCheckpointRecord(canonicalBytes(DOMAIN, noSeq))).toBeNull();
  });
});

describe('genesis', () => {
  it('is seq 0 of the module, with no meter and zero registers and totals', async () => {
    expect(genesis('M-7', 1234)).toEqual({
      seq: 0n,
      moduleSerial: 'M-7',
      meterId: '',
      type: 'genesis',
      amountMills: 0n,
      arMills: 0n,
      drMills: 0n,
      packageVersion: 0n,
      atMs: 1234,
      fundedMills: 0n,
      printedMills: 0n,
      refundedMills: 0n,
      logSeq: 0n,
      logHead: '00'.repeat(32),
    });
  });

  it('differs between modules and between times, so a fresh ring is not another ring', async () => {
    const a = encodeCheckpoint(genesis('M-1', 1000));
    expect(a.equals(encodeCheckpoint(genesis('M-2', 1000)))).toBe(false);
    expect(a.equals(encodeCheckpoint(genesis('M-1', 1001)))).toBe(false);
  });
});

describe('JSON form', () => {
  it('carries amounts as strings, the time as ISO and as ms', async () => {
    expect(checkpointToJson(SAMPLE)).toMatchObject({
      seq: '17',
      amountMills: '730',
      fundedMills: '10000',
      at: '2026-03-14T15:00:00.000Z',
      atMs: SAMPLE.atMs,
    });
  });

  it('round-trips through JSON text for any checkpoint', async () => {
    fc.assert(
      fc.property(checkpointArb, (c) => {
        const text = JSON.stringify(checkpointToJson(c));
        const back = checkpointFromJson(JSON.parse(text) as Record<string, string | number>);
        expect(back).toEqual(c);
        expect(encodeCheckpoint(back).equals(encodeCheckpoint(c))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
