import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyVersions } from '../../../src/crypto/envelope.js';
import { SoftwareLogKeys } from '../../../src/module/software-crypto.js';
import {
  bodyKey,
  bodyKeyVersion,
  decodeHeader,
  encodeHeader,
  GENESIS_HASH,
  openBody,
  recordHash,
  sealBody,
  type LogHeader,
} from '../../../src/ledger/record.js';
import { codeOfAsync } from '../helpers/package.js';
import { flipByte, HEADER_DOMAIN, headerFields, logKeys, rawHeader, sampleHeader } from '../helpers/txlog.js';

const U63 = (1n << 63n) - 1n;
const text = fc.string({ unit: 'grapheme', maxLength: 24 });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const counter = fc.bigInt({ min: 0n, max: U63 });
const header: fc.Arbitrary<LogHeader> = fc.record({
  logId: text,
  seq: counter,
  atMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 31 }), fc.maxSafeNat()),
  type: text,
  meterId: text,
  moduleSerial: text,
  prevHash: fc.oneof(fc.constant(GENESIS_HASH), hash),
  versionBefore: counter,
  versionAfter: counter,
  arBeforeMills: counter,
  drBeforeMills: counter,
  arAfterMills: counter,
  drAfterMills: counter,
});

describe('encodeHeader / decodeHeader', () => {
  it('round-trips every header (property)', () => {
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encodeHeader(h);
        expect(decodeHeader(bytes)).toEqual(h);
        // Deterministic: the same header always encodes to the same bytes.
        expect(encodeHeader({ ...h }).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips the extremes: zero everywhere, empty texts, the largest 63-bit counters', () => {
    const zero = sampleHeader({
      seq: 0n,
      atMs: 0,
      meterId: '',
      type: '',
      versionBefore: 0n,
      versionAfter: 0n,
      arBeforeMills: 0n,
      drBeforeMills: 0n,
      arAfterMills: 0n,
      drAfterMills: 0n,
      prevHash: GENESIS_HASH,
    });
    expect(decodeHeader(encodeHeader(zero))).toEqual(zero);
    const big = sampleHeader({ seq: U63, versionAfter: U63, drAfterMills: U63, atMs: Number.MAX_SAFE_INTEGER });
    expect(decodeHeader(encodeHeader(big))).toEqual(big);
  });

  it('anything it accepts is canonical: re-encoding a decoded mutation gives the same bytes (property)', () => {
    const base = encodeHeader(sampleHeader());
    fc.assert(
      fc.property(fc.nat({ max: base.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const mutated = flipByte(base, i, mask);
        const h = decodeHeader(mutated);
        if (h !== null) expect(encodeHeader(h).equals(mutated)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  describe('refuses non-canonical bytes', () => {
    const h = sampleHeader();
    const fields = headerFields(h);

    it('the canonical form itself decodes (control)', () => {
      expect(rawHeader(fields).equals(encodeHeader(h))).toBe(true);
      expect(decodeHeader(rawHeader(fields))).toEqual(h);
    });

    it('an extra field', () => {
      expect(decodeHeader(rawHeader({ ...fields, extra: 'x' }))).toBeNull();
      expect(decodeHeader(rawHeader({ ...fields, '': '' }))).toBeNull();
    });

    it.each(Object.keys(headerFields(sampleHeader())))('a missing field: %s', (name) => {
      const { [name]: _gone, ...rest } = fields;
      expect(decodeHeader(rawHeader(rest))).toBeNull();
    });

    it('a field renamed (same count, one unknown)', () => {
      const { seq, ...rest } = fields;
      expect(decodeHeader(rawHeader({ ...rest, Seq: seq! }))).toBeNull();
    });

    it.each(['seq', 'atMs', 'versionBefore', 'versionAfter', 'arBeforeMills', 'drBeforeMills', 'arAfterMills', 'drAfterMills'])(
      'a number that is not plain decimal digits: %s',
      (name) => {
        for (const bad of ['01', '007', '00', '-1', '+1', ' 1', '1 ', '1.0', '1e3', '0x1', '', 'NaN', '１', '12345678901234567890']) {
          expect(decodeHeader(rawHeader({ ...fields, [name]: bad })), `${name}=${JSON.stringify(bad)}`).toBeNull();
        }
        // 19 digits are the most a field may carry; 0 alone is fine.
        expect(decodeHeader(rawHeader({ ...fields, [name]: '0' }))).not.toBeNull();
      },
    );

    it('an atMs beyond 2^53 that is exactly a JS number round-trips', () => {
      const bytes = rawHeader({ ...fields, atMs: '9007199254740994' });
      expect(decodeHeader(bytes)?.atMs).toBe(9007199254740994);
    });

    // BUG (in the uncommitted change to src/txlog/record.ts that replaced the re-encode comparison
    // with decodeCanonicalStrict): atMs is parsed with Number(), and digits past 2^53 are rounded, so
    // decodeHeader accepts bytes that are not what encodeHeader makes of the result. Two different
    // headers (different record hashes) then decode to the same LogHeader, and a re-encoded header no
    // longer opens its body (the AAD differs). The committed version refused these bytes.
    it('an atMs that does not survive as a JS number is refused, not rounded', () => {
      const a = rawHeader({ ...fields, atMs: '9007199254740993' });
      const b = rawHeader({ ...fields, atMs: '9007199254740992' });
      const ha = decodeHeader(a);
      if (ha !== null) expect(encodeHeader(ha).equals(a), 'decoded header re-encodes to the same bytes').toBe(true);
      expect(decodeHeader(b)).not.toBeNull();
      expect(decodeHeader(rawHeader({ ...fields, atMs: '9999999999999999999' }))).toBeNull();
    });

    it('a bad prevHash', () => {
      for (const bad of [
        'AB'.repeat(32),
        'ab'.repeat(31),
        `${'ab'.repeat(32)}0`,
        'zz'.repeat(32),
        '',
        `0x${'ab'.repeat(31)}`,
        ` ${'ab'.repeat(32)}`.slice(0, 64),
      ]) {
        expect(decodeHeader(rawHeader({ ...fields, prevHash: bad })), JSON.stringify(bad)).toBeNull();
      }
    });

    it('another domain tag', () => {
      for (const domain of ['vaultmeter/txlog-record/v2', 'vaultmeter/txlog-head/v1', 'vaultmeter/checkpoint/v1', '', HEADER_DOMAIN.toUpperCase()]) {
        expect(decodeHeader(rawHeader(fields, domain)), domain).toBeNull();
      }
    });

    it('truncated anywhere, or with a byte appended', () => {
      const bytes = encodeHeader(h);
      for (let n = 0; n < bytes.length; n++) expect(decodeHeader(bytes.subarray(0, n)), `first ${n} bytes`).toBeNull();
      expect(decodeHeader(Buffer.concat([bytes, Buffer.from([0])]))).toBeNull();
      expect(decodeHeader(Buffer.concat([bytes, bytes]))).toBeNull();
    });

    it('the right fields in an unsorted order', () => {
      // decodeCanonical reads any order; only the sorted (canonical) order is a header.
      const names = Object.keys(fields).sort().reverse();
      const part = (s: string, w: 2 | 4) => {
        const b = Buffer.from(s, 'utf8');
        const l = Buffer.alloc(w);
        if (w === 2) l.writeUInt16BE(b.length);
        else l.writeUInt32BE(b.length);
        return Buffer.concat([l, b]);
      };
      const bytes = Buffer.concat([part(HEADER_DOMAIN, 2), ...names.flatMap((n) => [part(n, 2), part(fields[n]!, 4)])]);
      expect(bytes.length).toBe(encodeHeader(h).length);
      expect(decodeHeader(bytes)).toBeNull();
    });

    it('a field given twice', () => {
      const bytes = encodeHeader(h);
      const extra = rawHeader({ seq: '8' }).subarray(2 + Buffer.byteLength(HEADER_DOMAIN));
      expect(decodeHeader(Buffer.concat([bytes, extra]))).toBeNull();
    });

    it('empty bytes and random bytes', () => {
      expect(decodeHeader(Buffer.alloc(0))).toBeNull();
      for (let i = 0; i < 50; i++) expect(decodeHeader(randomBytes(1 + (i % 40) * 10))).toBeNull();
    });
  });
});

describe('recordHash', () => {
  const header = encodeHeader(sampleHeader());
  const body = randomBytes(64);
  const base = recordHash({ header, body });

  it('is 64 lowercase hex digits, and deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(recordHash({ header: Buffer.from(header), body: Buffer.from(body) })).toBe(base);
  });

  it('changes with any bit of any header byte', () => {
    for (let i = 0; i < header.length; i++) {
      for (const mask of [0x01, 0x80]) expect(recordHash({ header: flipByte(header, i, mask), body }), `header byte ${i}`).not.toBe(base);
    }
  });

  it('changes with any bit of any body byte', () => {
    for (let i = 0; i < body.length; i++) {
      for (const mask of [0x01, 0x80]) expect(recordHash({ header, body: flipByte(body, i, mask) }), `body byte ${i}`).not.toBe(base);
    }
  });

  it('changes when a byte moves across the header/body boundary (the header is length-prefixed)', () => {
    const moved = recordHash({ header: header.subarray(0, header.length - 1), body: Buffer.concat([header.subarray(header.length - 1), body]) });
    expect(moved).not.toBe(base);
    expect(recordHash({ header, body: body.subarray(1) })).not.toBe(base);
    expect(recordHash({ header, body: Buffer.concat([body, Buffer.alloc(1)]) })).not.toBe(base);
  });

  it('differs between distinct records (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (h1, b1, h2, b2) => {
          const same = Buffer.from(h1).equals(Buffer.from(h2)) && Buffer.from(b1).equals(Buffer.from(b2));
          const a = recordHash({ header: Buffer.from(h1), body: Buffer.from(b1) });
          const b = recordHash({ header: Buffer.from(h2), body: Buffer.from(b2) });
          expect(a === b).toBe(same);
        },
      ),
    );
  });
});

describe('bodyKey', () => {
  it('is 32 bytes, deterministic, and distinct per log and per log key', () => {
    const k = randomBytes(32);
    expect(bodyKey(k, 'M-A')).toHaveLength(32);
    expect(bodyKey(k, 'M-A').equals(bodyKey(Buffer.from(k), 'M-A'))).toBe(true);
    expect(bodyKey(k, 'M-A').equals(bodyKey(k, 'M-B'))).toBe(false);
    expect(bodyKey(k, 'M-A').equals(bodyKey(randomBytes(32), 'M-A'))).toBe(false);
    expect(bodyKey(k, 'M-A').equals(k)).toBe(false);
  });
});

describe('sealBody / openBody', () => {
  const logKey = randomBytes(32);
  const keys = logKeys(logKey);
  const LOG = 'M-UNIT';
  const header = encodeHeader(sampleHeader());
  const content = { op: 'fund', amountMills: '100', nested: { list: [1, 'two', null], uni: 'naïve € 🚀' } };
  const open = (body: Buffer, h = header, k: Pick<SoftwareLogKeys, 'openLogBody'> = keys, logId = LOG) => openBody(k, logId, { header: h, body });

  it('round-trips the JSON object under the header', async () => {
    const body = await sealBody(keys, LOG, header, content);
    expect(await open(body)).toEqual(content);
    expect(await open(await sealBody(keys, LOG, header, {}))).toEqual({});
  });

  it('is a versioned envelope: key version byte, IV, tag, ciphertext', async () => {
    const body = await sealBody(keys, LOG, header, content);
    expect(bodyKeyVersion(body)).toBe(1);
    expect(body.length).toBe(1 + 12 + 16 + Buffer.byteLength(JSON.stringify(content)));
    expect(bodyKeyVersion(Buffer.alloc(0))).toBeNull();
  });

  it('is randomized: two seals of the same body differ, and both open', async () => {
    const a = await sealBody(keys, LOG, header, content);
    const b = await sealBody(keys, LOG, header, content);
    expect(a.equals(b)).toBe(false);
    expect(await open(b)).toEqual(content);
  });

  it('the body is not readable without the key', async () => {
    const body = await sealBody(keys, LOG, header, { secret: 'PLAINTEXT-MARKER' });
    expect(body.includes(Buffer.from('PLAINTEXT-MARKER'))).toBe(false);
  });

  it('a wrong key: null (another log, another installation)', async () => {
    const body = await sealBody(keys, LOG, header, content);
    expect(await open(body, header, keys, 'M-OTHER')).toBeNull();
    expect(await open(body, header, logKeys(randomBytes(32)))).toBeNull();
  });

  it('the header changed (it is the associated data): null', async () => {
    const body = await sealBody(keys, LOG, header, content);
    const other = encodeHeader(sampleHeader({ seq: 8n }));
    expect(await open(body, other)).toBeNull();
    for (let i = 0; i < header.length; i += 7) expect(await open(body, flipByte(header, i)), `header byte ${i}`).toBeNull();
    expect(await open(body, header.subarray(0, -1))).toBeNull();
    expect(await open(body, Buffer.alloc(0))).toBeNull();
  });

  it('any body byte after the version flipped, or the body cut: null', async () => {
    const body = await sealBody(keys, LOG, header, content);
    for (let i = 1; i < body.length; i++) expect(await open(flipByte(body, i)), `body byte ${i}`).toBeNull();
    expect(await open(body.subarray(0, -1))).toBeNull();
    expect(await open(body.subarray(0, 28))).toBeNull();
    expect(await open(Buffer.alloc(0))).toBeNull();
    expect(await open(Buffer.concat([body, Buffer.alloc(1)]))).toBeNull();
  });

  it('an authentic body that is not a JSON object: null', async () => {
    for (const plain of ['[1,2]', '[]', 'null', '42', '"text"', 'true', 'not json', '{"a":', '']) {
      const body = await keys.sealLogBody(LOG, header, Buffer.from(plain, 'utf8'));
      expect(await open(body), plain).toBeNull();
    }
    // sealBody takes any object: an array seals but does not open as a body.
    expect(await open(await sealBody(keys, LOG, header, [1, 2, 3]))).toBeNull();
  });
});

describe('log key rotation', () => {
  const v1 = randomBytes(32);
  const v2 = randomBytes(32);
  const old = new SoftwareLogKeys(keyVersions(new Map([[1, v1]])));
  const rotated = new SoftwareLogKeys(
    keyVersions(
      new Map([
        [1, v1],
        [2, v2],
      ]),
    ),
  );
  const LOG = 'M-ROT';
  const header = encodeHeader(sampleHeader({ logId: LOG }));

  it('after rotation new bodies name version 2; version 1 bodies still open', async () => {
    const before = await sealBody(old, LOG, header, { n: 1 });
    const after = await sealBody(rotated, LOG, header, { n: 2 });
    expect(bodyKeyVersion(before)).toBe(1);
    expect(bodyKeyVersion(after)).toBe(2);
    expect(await openBody(rotated, LOG, { header, body: before })).toEqual({ n: 1 });
    expect(await openBody(rotated, LOG, { header, body: after })).toEqual({ n: 2 });
  });

  it('a module without version 2 refuses a version 2 body with key_version_unknown', async () => {
    const after = await sealBody(rotated, LOG, header, { n: 2 });
    expect(await codeOfAsync(() => openBody(old, LOG, { header, body: after }))).toBe('key_version_unknown');
  });

  it('a tampered version byte: unknown versions are key_version_unknown, a held one fails authentication', async () => {
    const after = await sealBody(rotated, LOG, header, { n: 2 });
    for (const v of [0, 3, 200, 255]) {
      const t = Buffer.from(after);
      t[0] = v;
      expect(await codeOfAsync(() => openBody(rotated, LOG, { header, body: t })), `version ${v}`).toBe('key_version_unknown');
    }
    const asV1 = Buffer.from(after);
    asV1[0] = 1;
    expect(await openBody(rotated, LOG, { header, body: asV1 })).toBeNull();
    // The version is bound into the associated data: v1's ciphertext relabelled v2 fails too, even were the keys equal.
    const same = new SoftwareLogKeys(
      keyVersions(
        new Map([
          [1, v1],
          [2, v1],
        ]),
      ),
    );
    const relabelled = await sealBody(old, LOG, header, { n: 1 });
    relabelled[0] = 2;
    expect(await openBody(same, LOG, { header, body: relabelled })).toBeNull();
  });
});
