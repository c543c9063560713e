import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../../src/protocol/canonical.js';
import { chainRecords, type ChainPosition } from '../../../src/ledger/chain.js';
import { headMessage, headSignatureValid, signHead, type ChainHead, type SignedHead } from '../../../src/ledger/head.js';
import { decodeHeader, GENESIS_HASH, openBody, recordHash } from '../../../src/ledger/record.js';
import { flipByte, fundDrafts, logKeys, recordOf } from '../helpers/txlog.js';

const LOG = 'M-CHAIN';
const logKey = randomBytes(32);
const key = logKeys(logKey);
const AT = Date.UTC(2026, 2, 14, 15, 0, 0);

describe('chainRecords', () => {
  it('from genesis: numbers 1..n, the first prevHash is GENESIS_HASH, each next prevHash is the previous hash', async () => {
    const drafts = fundDrafts(5);
    const { records, head } = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, drafts);
    expect(records.map((r) => r.seq)).toEqual(['1', '2', '3', '4', '5']);
    let prev = GENESIS_HASH;
    records.forEach((r, i) => {
      const h = decodeHeader(Buffer.from(r.header, 'hex'))!;
      expect(h).not.toBeNull();
      expect(h.seq).toBe(BigInt(i + 1));
      expect(h.prevHash).toBe(prev);
      expect(recordHash(recordOf(r))).toBe(r.hash);
      prev = r.hash;
    });
    expect(head).toEqual({ seq: 5n, hash: records[4]!.hash });
  });

  it('after a given head: numbering from head.seq + 1, the first prevHash is the given hash', async () => {
    const from: ChainPosition = { seq: 41n, hash: 'cd'.repeat(32) };
    const { records, head } = await chainRecords(key, LOG, from, AT, fundDrafts(3));
    const headers = records.map((r) => decodeHeader(Buffer.from(r.header, 'hex'))!);
    expect(headers.map((h) => h.seq)).toEqual([42n, 43n, 44n]);
    expect(headers[0]!.prevHash).toBe(from.hash);
    expect(headers[1]!.prevHash).toBe(records[0]!.hash);
    expect(headers[2]!.prevHash).toBe(records[1]!.hash);
    expect(head).toEqual({ seq: 44n, hash: records[2]!.hash });
  });

  it('two calls continue one chain exactly as one call does (in numbers and links)', async () => {
    const first = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, fundDrafts(2));
    const second = await chainRecords(key, LOG, first.head, AT + 1000, fundDrafts(2));
    const h = decodeHeader(Buffer.from(second.records[0]!.header, 'hex'))!;
    expect(h.seq).toBe(3n);
    expect(h.prevHash).toBe(first.records[1]!.hash);
    expect(second.head.seq).toBe(4n);
  });

  it('each header carries the log, the module, the time and the draft fields', async () => {
    const drafts = fundDrafts(2, 250n, 'meter-9');
    const { records } = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, drafts);
    records.forEach((r, i) => {
      const h = decodeHeader(Buffer.from(r.header, 'hex'))!;
      const d = drafts[i]!;
      expect(h).toMatchObject({
        logId: LOG,
        moduleSerial: LOG,
        atMs: AT,
        type: d.type,
        meterId: 'meter-9',
        versionBefore: d.versionBefore,
        versionAfter: d.versionAfter,
        arBeforeMills: d.arBeforeMills,
        drBeforeMills: d.drBeforeMills,
        arAfterMills: d.arAfterMills,
        drAfterMills: d.drAfterMills,
      });
    });
  });

  it('each body opens with the log body key and holds the draft body; with another key it does not', async () => {
    const drafts = fundDrafts(3);
    const { records } = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, drafts);
    for (const [i, r] of records.entries()) {
      expect(await openBody(key, LOG, recordOf(r))).toEqual(drafts[i]!.body);
      expect(await openBody(key, 'M-OTHER', recordOf(r))).toBeNull();
    }
    // Bodies are bound to their own header: swapping two bodies breaks both.
    expect(await openBody(key, LOG, { header: recordOf(records[0]!).header, body: recordOf(records[1]!).body })).toBeNull();
  });

  it('no drafts: no records, and the head is the one given', async () => {
    const from = { seq: 9n, hash: 'ef'.repeat(32) };
    expect(await chainRecords(key, LOG, from, AT, [])).toEqual({ records: [], head: from });
  });

  it('wire form: seq as decimal text, header hex, body base64', async () => {
    const { records } = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, fundDrafts(1));
    const r = records[0]!;
    expect(Object.keys(r).sort()).toEqual(['body', 'hash', 'header', 'seq']);
    expect(r.header).toMatch(/^([0-9a-f]{2})+$/);
    expect(Buffer.from(r.body, 'base64').toString('base64')).toBe(r.body);
  });

  it('a changed record no longer links: the next record names the original hash', async () => {
    const { records } = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, fundDrafts(2));
    const tampered = recordOf(records[0]!);
    const changed = recordHash({ header: tampered.header, body: flipByte(tampered.body, 5) });
    expect(decodeHeader(Buffer.from(records[1]!.header, 'hex'))!.prevHash).not.toBe(changed);
  });
});

describe('signHead / headSignatureValid (P-256)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const head: ChainHead = { logId: LOG, seq: 12n, hash: 'a1'.repeat(32) };

  it('a signed head verifies with the public key, as a KeyObject or as PEM', async () => {
    const s = signHead(privateKey, head);
    expect(s).toMatchObject(head);
    expect(s.signature).toMatch(/^([0-9a-f]{2})+$/);
    expect(headSignatureValid(publicKey, s)).toBe(true);
    expect(headSignatureValid(pem, s)).toBe(true);
  });

  it('a head from chainRecords signs and verifies', async () => {
    const { head: pos } = await chainRecords(key, LOG, { seq: 0n, hash: GENESIS_HASH }, AT, fundDrafts(3));
    expect(headSignatureValid(publicKey, signHead(privateKey, { logId: LOG, ...pos }))).toBe(true);
  });

  it('a changed seq, hash or logId fails', async () => {
    const s = signHead(privateKey, head);
    expect(headSignatureValid(publicKey, { ...s, seq: 13n })).toBe(false);
    expect(headSignatureValid(publicKey, { ...s, seq: 11n })).toBe(false);
    expect(headSignatureValid(publicKey, { ...s, seq: 0n })).toBe(false);
    expect(headSignatureValid(publicKey, { ...s, hash: 'a1'.repeat(31) + 'a0' })).toBe(false);
    expect(headSignatureValid(publicKey, { ...s, hash: GENESIS_HASH })).toBe(false);
    expect(headSignatureValid(publicKey, { ...s, logId: 'M-OTHER' })).toBe(false);
    expect(headSignatureValid(publicKey, { ...s, logId: '' })).toBe(false);
  });

  it("another key's public key fails", () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(headSignatureValid(other.publicKey, signHead(privateKey, head))).toBe(false);
    expect(headSignatureValid(publicKey, signHead(other.privateKey, head))).toBe(false);
  });

  it('a signature over another message (same key) fails', async () => {
    const s: SignedHead = { ...head, signature: sign('sha256', Buffer.from('not a head'), privateKey).toString('hex') };
    expect(headSignatureValid(publicKey, s)).toBe(false);
    // The head message is domain-separated: the same fields under another domain do not count.
    const foreign = canonicalBytes('vaultmeter/other/v1', { logId: head.logId, seq: head.seq.toString(), hash: head.hash });
    expect(foreign.equals(headMessage(head))).toBe(false);
    expect(headSignatureValid(publicKey, { ...head, signature: sign('sha256', foreign, privateKey).toString('hex') })).toBe(false);
  });

  it('a garbage signature is false, never a throw', async () => {
    const good = signHead(privateKey, head).signature;
    for (const signature of [
      '',
      'zz',
      'nothex!',
      '00',
      '00'.repeat(8),
      '30'.repeat(40),
      randomBytes(70).toString('hex'),
      good.toUpperCase(),
      `${good}00`,
      good.slice(0, -2),
      `${good.slice(0, 20)}${good[20] === 'a' ? 'b' : 'a'}${good.slice(21)}`,
      'ab'.repeat(81),
      `${good}0`,
    ]) {
      expect(headSignatureValid(publicKey, { ...head, signature }), signature).toBe(false);
    }
  });

  it('headMessage binds every field', async () => {
    const m = headMessage(head);
    expect(headMessage({ ...head }).equals(m)).toBe(true);
    expect(headMessage({ ...head, seq: 1n }).equals(m)).toBe(false);
    expect(headMessage({ ...head, hash: 'b1'.repeat(32) }).equals(m)).toBe(false);
    expect(headMessage({ ...head, logId: 'X' }).equals(m)).toBe(false);
  });

  it('ECDSA signatures are randomized, and each one verifies', async () => {
    const a = signHead(privateKey, head);
    const b = signHead(privateKey, head);
    expect(a.signature).not.toBe(b.signature);
    expect(headSignatureValid(publicKey, a) && headSignatureValid(publicKey, b)).toBe(true);
  });
});
