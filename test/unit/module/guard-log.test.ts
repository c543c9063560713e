import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LOG_EXTRA_BYTES } from '../../../src/constants.js';
import type {
  AuditResult,
  BatchResult,
  CheckpointWire,
  CommandResult,
  FundResult,
  LogRecordWire,
  ProvisionResult,
  RecoverResult,
  RegisterBeginResult,
  SignedHeadWire,
} from '../../../src/module/messages.js';
import { sealRegistration } from '../../../src/module/protocol-crypto.js';
import { GENESIS_HASH, type LogHeader } from '../../../src/ledger/record.js';
import { PASSWORD, registeredMeter, rejectsWith, T0, TestClient, officerFund } from '../helpers/engine.js';
import { GuardHarness, printParams } from '../helpers/guard.js';
import { expectWellFormed, headerOf, openWire, wireHeadValid } from '../helpers/txlog.js';

let h: GuardHarness;
beforeEach(async () => {
  h = await GuardHarness.create(5);
});
afterEach(() => h.cleanup());

type Logged<T = Record<string, unknown>> = T & { checkpoint: CheckpointWire; logRecord: LogRecordWire; logHead: SignedHeadWire };

const open = (r: LogRecordWire) => openWire(h.crypto, h.serial, r);

/**
 * The answer carries a well-formed record that follows `prev` and a signed head equal to it, and the
 * ring head now points at that record. Returns the record's header.
 */
function expectChained(r: { logRecord: LogRecordWire; logHead: SignedHeadWire }, prev: { seq: bigint; hash: string }): LogHeader {
  const hdr = expectWellFormed(r.logRecord);
  expect(hdr.seq).toBe(prev.seq + 1n);
  expect(hdr.prevHash).toBe(prev.hash);
  expect(hdr.logId).toBe(h.serial);
  expect(hdr.moduleSerial).toBe(h.serial);
  expect(hdr.atMs).toBe(h.clock.now());
  expect(r.logHead).toMatchObject({ logId: h.serial, seq: r.logRecord.seq, hash: r.logRecord.hash });
  expect(wireHeadValid(h.keystore.identity.certPem, r.logHead)).toBe(true);
  expect(h.ring.head.logSeq).toBe(hdr.seq);
  expect(h.ring.head.logHead).toBe(r.logRecord.hash);
  return hdr;
}

const pos = (r: { logRecord: LogRecordWire }) => ({ seq: BigInt(r.logRecord.seq), hash: r.logRecord.hash });
const GENESIS = { seq: 0n, hash: GENESIS_HASH };

type Position = { seq: bigint; hash: string };

/** The whole meter life, step 1: provision, logged with the caller's extra. */
async function provisionLogged(h: GuardHarness, prev: Position): Promise<{ p: Logged<ProvisionResult>; prev: Position }> {
  const p = await h.call<Logged<ProvisionResult>>('provision', { licensingZip: '20260', logExtra: { by: 'pool' } });
  const hdr = expectChained(p, prev);
  expect(hdr).toMatchObject({
    type: 'provision',
    meterId: p.meterId,
    versionBefore: 0n,
    versionAfter: 1n,
    arBeforeMills: 0n,
    drBeforeMills: 0n,
    arAfterMills: 0n,
    drAfterMills: 0n,
  });
  expect(await open(p.logRecord)).toMatchObject({
    op: 'provision',
    effectsVersion: 1,
    effects: [
      {
        kind: 'meter_provisioned',
        meterId: p.meterId,
        certSerialHex: p.certSerialHex,
        certificatePem: p.certificatePem,
        licensingZip: '20260',
        version: p.package.version,
        sealed: p.package.sealed,
      },
    ],
    extra: { by: 'pool' },
  });
  return { p, prev: pos(p) };
}

/** Step 2: registerBegin then registerComplete; the body never holds the client's secrets in clear. */
async function registerLogged(h: GuardHarness, p: Logged<ProvisionResult>, prev: Position): Promise<{ c: TestClient; prev: Position }> {
  h.clock.advance(1000);
  const nonce = randomBytes(32);
  const begun = await h.call<Logged<RegisterBeginResult>>('registerBegin', { pkg: p.package, clientNonce: nonce.toString('hex') });
  const hdr = expectChained(begun, prev);
  expect(hdr).toMatchObject({ type: 'registerBegin', meterId: p.meterId, versionBefore: 1n, versionAfter: 2n });
  expect(await open(begun.logRecord)).toMatchObject({
    op: 'registerBegin',
    effects: [{ kind: 'package_stored', meterId: p.meterId, fromVersion: '1', toVersion: '2', sealed: begun.package.sealed }],
  });

  const macKey = randomBytes(32);
  const env = sealRegistration(p.meterId, nonce, Buffer.from(begun.ephemeralPublicKey, 'hex'), { macKey, password: PASSWORD }, randomBytes);
  const done = await h.call<Logged<CommandResult>>('registerComplete', {
    pkg: begun.package,
    clientPublicKey: env.clientPublicKey.toString('hex'),
    sealedSecrets: env.sealed.toString('base64'),
  });
  const doneHdr = expectChained(done, pos(begun));
  expect(doneHdr).toMatchObject({ type: 'register', versionBefore: 2n, versionAfter: 3n });
  const doneBody = (await open(done.logRecord))!;
  expect(doneBody).toMatchObject({
    op: 'registerComplete',
    response: { op: 'register', status: 'ok' },
    effects: [
      { kind: 'package_stored', sealed: done.package.sealed },
      { kind: 'customer_registered', meterId: p.meterId },
    ],
  });
  // The body never holds the client's secrets in clear.
  expect(JSON.stringify(doneBody)).not.toContain(macKey.toString('hex'));
  expect(JSON.stringify(doneBody)).not.toContain(macKey.toString('base64'));
  expect(JSON.stringify(doneBody)).not.toContain(PASSWORD);
  const c = new TestClient(h.engine, p.meterId, macKey, p);
  c.accept(done);
  return { c, prev: pos(done) };
}

/** Step 3: fund, then a print that debits it. */
async function fundAndPrintLogged(h: GuardHarness, c: TestClient, prev: Position): Promise<Position> {
  h.clock.advance(1000);
  const f = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '10000') });
  c.pkg = f.package;
  const hdr = expectChained(f, prev);
  expect(hdr).toMatchObject({
    type: 'fund',
    versionBefore: 3n,
    versionAfter: 4n,
    arBeforeMills: 0n,
    drBeforeMills: 0n,
    arAfterMills: 0n,
    drAfterMills: 10_000n,
  });
  expect(await open(f.logRecord)).toMatchObject({
    op: 'fund',
    amountMills: '10000',
    effects: [
      { kind: 'package_stored', toVersion: f.package.version, sealed: f.package.sealed },
      { kind: 'meter_funded', meterId: c.meterId, amountMills: '10000' },
    ],
  });

  const pr = c.accept(await h.call<Logged<CommandResult>>('command', c.build('print', printParams(730n)))) as Logged<CommandResult>;
  const prHdr = expectChained(pr, pos(f));
  expect(prHdr).toMatchObject({
    type: 'print',
    versionBefore: 4n,
    versionAfter: 5n,
    arBeforeMills: 0n,
    drBeforeMills: 10_000n,
    arAfterMills: 730n,
    drAfterMills: 9_270n,
  });
  expect(await open(pr.logRecord)).toMatchObject({
    op: 'command',
    response: { op: 'print', status: 'ok', result: pr.response.result },
    effects: [
      { kind: 'package_stored', sealed: pr.package.sealed },
      { kind: 'item_printed', itemId: pr.response.result.itemId, amountMills: '730', itemBase64: pr.item },
    ],
  });
  return pos(pr);
}

describe('GuardedModule log: every package op writes one chained record and signs the head', () => {
  it('a whole meter life, op by op: types, chain, headers and bodies', async () => {
    expect(h.ring.head).toMatchObject({ logSeq: 0n, logHead: GENESIS_HASH });
    const provisioned = await provisionLogged(h, GENESIS);
    const registered = await registerLogged(h, provisioned.p, provisioned.prev);
    const c = registered.c;
    let prev = await fundAndPrintLogged(h, c, registered.prev);

    const ch = c.accept(
      await h.call<Logged<CommandResult>>('challenge', { pkg: c.pkg, clientNonce: randomBytes(32).toString('hex') }),
    ) as Logged<CommandResult>;
    let hdr = expectChained(ch, prev);
    expect(hdr).toMatchObject({ type: 'challenge', arBeforeMills: 730n, arAfterMills: 730n, drBeforeMills: 9_270n, drAfterMills: 9_270n });
    prev = pos(ch);

    const a = await h.call<Logged<AuditResult>>('audit', { pkg: c.pkg });
    hdr = expectChained(a, prev);
    expect(hdr).toMatchObject({ type: 'audit', arAfterMills: 730n, drAfterMills: 9_270n, versionAfter: BigInt(a.package.version) });
    prev = pos(a);

    const l = await h.call<Logged>('log', { action: 'officer_note', meterId: c.meterId });
    hdr = expectChained(l, prev);
    expect(hdr.type).toBe('log:officer_note');
    expect(h.ring.head.logSeq).toBe(8n);
    expect(h.ring.head.seq).toBe(8n);
  });

  it('an authenticated refusal is logged with the refusal as its type and unchanged registers', async () => {
    const c = await registeredMeter(h.engine, T0);
    const r = c.accept(await h.call<Logged<CommandResult>>('command', c.build('print', printParams(730n)))) as Logged<CommandResult>;
    expect(r.error?.code).toBe('insufficient_funds');
    const hdr = expectChained(r, GENESIS);
    expect(hdr).toMatchObject({
      type: 'print:insufficient_funds',
      meterId: c.meterId,
      arBeforeMills: 0n,
      drBeforeMills: 0n,
      arAfterMills: 0n,
      drAfterMills: 0n,
    });
    expect(hdr.versionAfter).toBe(hdr.versionBefore + 1n);
    expect(await open(r.logRecord)).toMatchObject({ op: 'command', error: 'insufficient_funds', response: { op: 'print', status: 'insufficient_funds' } });
  });

  it('consecutive ops chain: seq +1, prevHash = previous hash, and the ring follows each head', async () => {
    const c = await registeredMeter(h.engine, T0);
    let prev = GENESIS;
    const hashes = new Set<string>();
    for (let i = 1; i <= 8; i++) {
      h.clock.advance(10);
      const r = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '1') });
      c.pkg = r.package;
      expectChained(r, prev);
      expect(r.logRecord.seq).toBe(String(i));
      hashes.add(r.logRecord.hash);
      prev = pos(r);
    }
    expect(hashes.size).toBe(8);
    // The ring survives a restart with its log position.
    await h.reload();
    expect(h.ring.head).toMatchObject({ logSeq: 8n, logHead: prev.hash });
    const next = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '1') });
    expectChained(next, prev);
  });

  it('an op that throws writes no record; the next one continues where the log stood', async () => {
    const c = await registeredMeter(h.engine, T0);
    const first = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '100') });
    c.pkg = first.package;
    await rejectsWith(h.call('fund', { ...officerFund(c.pkg, '0') }), 'invalid_amount');
    await rejectsWith(h.call('command', { ...c.build('balance'), mac: '00'.repeat(32) }), 'bad_mac');
    await rejectsWith(h.dispatch('fund', { ...officerFund(c.pkg, '5') }, null), 'checkpoint_mismatch');
    expect(h.ring.head.logSeq).toBe(1n);
    const next = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '5') });
    expectChained(next, pos(first));
  });
});

describe('GuardedModule log: headers carry the registers the engine holds', () => {
  it('fund 100: drBefore + 100 = drAfter, ar unchanged, version + 1, all as the engine says', async () => {
    const c = await registeredMeter(h.engine, T0);
    const before = await h.engine.registersOf(c.pkg);
    const f = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '100') });
    const after = await h.engine.registersOf(f.package);
    const hdr = headerOf(f.logRecord);
    expect(hdr).toMatchObject({
      versionBefore: before.version,
      versionAfter: after.version,
      arBeforeMills: before.arMills,
      drBeforeMills: before.drMills,
      arAfterMills: after.arMills,
      drAfterMills: after.drMills,
    });
    expect(hdr.drBeforeMills + 100n).toBe(hdr.drAfterMills);
    expect(hdr.arAfterMills).toBe(hdr.arBeforeMills);
    expect(hdr.versionAfter).toBe(hdr.versionBefore + 1n);
    expect(hdr.versionAfter.toString()).toBe(f.package.version);
    expect(hdr.drAfterMills.toString()).toBe(f.drMills);
  });

  it('a run of funds and prints: each record starts where the previous one of that meter ended', async () => {
    const c = await registeredMeter(h.engine, T0);
    let last: LogHeader | null = null;
    const step = async (r: Logged<{ package: { version: string; meterId: string; sealed: string } }>, amountAr: bigint, amountDr: bigint) => {
      const hdr = headerOf(r.logRecord);
      const now = await h.engine.registersOf(r.package);
      expect([hdr.versionAfter, hdr.arAfterMills, hdr.drAfterMills]).toEqual([now.version, now.arMills, now.drMills]);
      expect(hdr.arAfterMills - hdr.arBeforeMills).toBe(amountAr);
      expect(hdr.drAfterMills - hdr.drBeforeMills).toBe(amountDr);
      if (last) expect([hdr.versionBefore, hdr.arBeforeMills, hdr.drBeforeMills]).toEqual([last.versionAfter, last.arAfterMills, last.drAfterMills]);
      last = hdr;
    };
    const f = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '5000') });
    c.pkg = f.package;
    await step(f, 0n, 5000n);
    for (const amount of [730n, 1200n]) {
      const r = c.accept(await h.call<Logged<CommandResult>>('command', c.build('print', printParams(amount)))) as Logged<CommandResult>;
      expect(r.error).toBeUndefined();
      await step(r, amount, -amount);
    }
    const bal = c.accept(await h.call<Logged<CommandResult>>('command', c.build('balance'))) as Logged<CommandResult>;
    await step(bal, 0n, 0n);
    expect(last!.arAfterMills + last!.drAfterMills).toBe(5000n);
  });
});

describe('GuardedModule log: the log op (operator actions)', () => {
  it('writes a log:<action> record with no registers whose body holds the extra', async () => {
    const extra = { officer: 'alice', reason: 'quarterly review', n: 3, nested: { ok: true } };
    const r = await h.call<Logged>('log', { action: 'suspend_meter', meterId: 'meter-123', logExtra: extra });
    expect(Object.keys(r).sort()).toEqual(['checkpoint', 'logHead', 'logRecord']);
    const hdr = expectChained(r, GENESIS);
    expect(hdr).toMatchObject({
      type: 'log:suspend_meter',
      meterId: 'meter-123',
      versionBefore: 0n,
      versionAfter: 0n,
      arBeforeMills: 0n,
      drBeforeMills: 0n,
      arAfterMills: 0n,
      drAfterMills: 0n,
    });
    expect(await open(r.logRecord)).toEqual({ op: 'log', action: 'suspend_meter', extra, effectsVersion: 1, effects: [] });
    // The ring entry is a zero-value, package-less transaction.
    expect(h.ring.head).toMatchObject({ type: 'log:suspend_meter', meterId: 'meter-123', amountMills: 0n, packageVersion: 0n, logSeq: 1n });
  });

  it('without a meter id (or with a non-string one) the record concerns no meter; without extra the body has none', async () => {
    const a = await h.call<Logged>('log', { action: 'halt_cleared' });
    expect(headerOf(a.logRecord).meterId).toBe('');
    expect(await open(a.logRecord)).toEqual({ op: 'log', action: 'halt_cleared', effectsVersion: 1, effects: [] });
    const b = await h.call<Logged>('log', { action: 'x', meterId: 42 });
    expect(headerOf(b.logRecord).meterId).toBe('');
    expect(headerOf(b.logRecord).prevHash).toBe(a.logRecord.hash);
  });

  it('accepts 1 to 40 lowercase letters and underscores', async () => {
    for (const action of ['a', '_', 'a'.repeat(40), 'officer_clear_halt']) {
      const r = await h.call<Logged>('log', { action });
      expect(headerOf(r.logRecord).type).toBe(`log:${action}`);
    }
  });

  it('refuses a bad action name, and writes nothing', async () => {
    const ring = [...h.ring.entries];
    for (const action of ['', 'a'.repeat(41), 'Officer', 'with-dash', 'with space', 'digits1', 'log:x', 'é', 'a\n', 42, null, undefined, ['a']]) {
      await rejectsWith(h.call('log', { action }), 'invalid_request');
    }
    expect(h.ring.entries).toEqual(ring);
    expect(h.ring.head.logSeq).toBe(0n);
  });

  it('a log op checks the checkpoint like any package op', async () => {
    await h.call('log', { action: 'one' });
    await rejectsWith(h.dispatch('log', { action: 'two' }, null), 'checkpoint_mismatch');
    expect(h.ring.head.logSeq).toBe(1n);
  });
});

describe('GuardedModule log: the logExtra bound', () => {
  const exactly = (n: number) => ({ s: 'a'.repeat(n - '{"s":""}'.length) });

  it('JSON of exactly MAX_LOG_EXTRA_BYTES is sealed; one more byte is refused and changes nothing', async () => {
    expect(JSON.stringify(exactly(MAX_LOG_EXTRA_BYTES)).length).toBe(MAX_LOG_EXTRA_BYTES);
    const ok = await h.call<Logged>('log', { action: 'big', logExtra: exactly(MAX_LOG_EXTRA_BYTES) });
    expect(await open(ok.logRecord)).toMatchObject({ extra: exactly(MAX_LOG_EXTRA_BYTES) });
    const ring = [...h.ring.entries];
    await rejectsWith(h.call('log', { action: 'big', logExtra: exactly(MAX_LOG_EXTRA_BYTES + 1) }), 'invalid_request');
    await rejectsWith(h.call('log', { action: 'big', logExtra: 'x'.repeat(MAX_LOG_EXTRA_BYTES * 4) }), 'invalid_request');
    expect(h.ring.entries).toEqual(ring);
  });

  it('is checked before a package op runs: an oversized extra on fund leaves the ring and the log alone', async () => {
    const c = await registeredMeter(h.engine, T0);
    const ring = [...h.ring.entries];
    await rejectsWith(h.call('fund', { ...officerFund(c.pkg, '100'), logExtra: exactly(MAX_LOG_EXTRA_BYTES + 1) }), 'invalid_request');
    expect(h.ring.entries).toEqual(ring);
    const f = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '100'), logExtra: { customer: 'c-1' } });
    expect(await open(f.logRecord)).toMatchObject({ extra: { customer: 'c-1' } });
  });

  it('an extra that is not JSON-serializable (a function) is refused', async () => {
    await rejectsWith(h.call('log', { action: 'x', logExtra: () => 1 }), 'invalid_request');
  });

  // BUG: the bound is documented as bytes of JSON (MAX_LOG_EXTRA_BYTES, "at most … bytes"), but
  // guard.ts compares `JSON.stringify(extra).length` — UTF-16 code units. Non-ASCII text passes at up
  // to 3x the limit ('€' is 1 unit, 3 UTF-8 bytes; an emoji 2 units, 4 bytes).
  it('counts UTF-8 bytes, not UTF-16 units: multi-byte text over the limit is refused', async () => {
    const euros = { s: '€'.repeat(MAX_LOG_EXTRA_BYTES / 2) };
    expect(JSON.stringify(euros).length).toBeLessThanOrEqual(MAX_LOG_EXTRA_BYTES);
    expect(Buffer.byteLength(JSON.stringify(euros))).toBeGreaterThan(MAX_LOG_EXTRA_BYTES);
    await rejectsWith(h.call('log', { action: 'x', logExtra: euros }), 'invalid_request');
  });
});

describe('GuardedModule log: batch', () => {
  it('one record per successful op, none for failed ops, one signed head equal to the last record', async () => {
    const c1 = await registeredMeter(h.engine, T0);
    const c2 = await registeredMeter(h.engine, T0);
    const c3 = await registeredMeter(h.engine, T0);
    const warm = await h.call<Logged<FundResult>>('fund', { ...officerFund(c3.pkg, '1') });
    c3.pkg = warm.package;
    h.clock.advance(500);
    const r = await h.call<BatchResult>('batch', {
      ops: [
        { op: 'fund', args: { ...officerFund(c1.pkg, '100'), logExtra: { n: 1 } } },
        { op: 'fund', args: { ...officerFund(c2.pkg, '0') } },
        { op: 'fund', args: { ...officerFund(c2.pkg, '250') } },
        { op: 'info', args: {} },
        { op: 'log', args: { action: 'bad-name' } },
        { op: 'log', args: { action: 'batch_note', meterId: c1.meterId, logExtra: { n: 2 } } },
        { op: 'audit', args: { pkg: { ...c3.pkg, sealed: Buffer.concat([Buffer.of(1), Buffer.from('tampered')]).toString('base64') } } },
      ],
    });
    expect(r.results.map((x) => x.ok)).toEqual([true, false, true, false, false, true, false]);
    expect(r.results.map((x) => (x.ok ? undefined : x.error.code))).toEqual([
      undefined,
      'invalid_amount',
      undefined,
      'invalid_request',
      'invalid_request',
      undefined,
      'package_tampered',
    ]);
    for (const x of r.results) if (!x.ok) expect(x).not.toHaveProperty('logRecord');

    const ok = r.results.filter((x): x is Extract<typeof x, { ok: true }> => x.ok);
    const records = ok.map((x) => x.logRecord);
    const headers = records.map(expectWellFormed);
    expect(headers.map((x) => x.seq)).toEqual([2n, 3n, 4n]);
    expect(headers[0]!.prevHash).toBe(warm.logRecord.hash);
    expect(headers[1]!.prevHash).toBe(records[0]!.hash);
    expect(headers[2]!.prevHash).toBe(records[1]!.hash);
    expect(headers.map((x) => x.type)).toEqual(['fund', 'fund', 'log:batch_note']);
    expect(headers.map((x) => x.meterId)).toEqual([c1.meterId, c2.meterId, c1.meterId]);
    expect(new Set(headers.map((x) => x.atMs))).toEqual(new Set([h.clock.now()]));
    expect(headers[0]!.drAfterMills - headers[0]!.drBeforeMills).toBe(100n);
    expect(headers[1]!.drAfterMills - headers[1]!.drBeforeMills).toBe(250n);
    expect(await open(records[0]!)).toMatchObject({ op: 'fund', amountMills: '100', extra: { n: 1 } });
    expect(await open(records[2]!)).toEqual({ op: 'log', action: 'batch_note', extra: { n: 2 }, effectsVersion: 1, effects: [] });

    expect(r.logHead).toMatchObject({ logId: h.serial, seq: '4', hash: records[2]!.hash });
    expect(wireHeadValid(h.keystore.identity.certPem, r.logHead!)).toBe(true);
    // One ring entry for the batch, at the batch's log position.
    expect(r.checkpoint).toEqual(h.ring.headWire());
    expect(h.ring.head).toMatchObject({ seq: 2n, type: 'batch:3', logSeq: 4n, logHead: records[2]!.hash });

    // The next op continues the log after the batch.
    const next = await h.call<Logged<FundResult>>('fund', { ...officerFund(c3.pkg, '1') });
    expectChained(next, { seq: 4n, hash: records[2]!.hash });
  });

  it('a batch of one success is an ordinary ring entry, with its record and head', async () => {
    const c = await registeredMeter(h.engine, T0);
    const r = await h.call<BatchResult>('batch', { ops: [{ op: 'fund', args: { ...officerFund(c.pkg, '100') } }] });
    const x = r.results[0]!;
    expect(x.ok).toBe(true);
    if (!x.ok) return;
    expect(expectWellFormed(x.logRecord)).toMatchObject({ seq: 1n, prevHash: GENESIS_HASH, type: 'fund' });
    expect(r.logHead).toMatchObject({ seq: '1', hash: x.logRecord.hash });
    expect(h.ring.head).toMatchObject({ type: 'fund', logSeq: 1n, logHead: x.logRecord.hash });
  });

  it('a batch where every op fails: no records, no head, the checkpoint and the log unchanged', async () => {
    const c = await registeredMeter(h.engine, T0);
    const first = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '1') });
    c.pkg = first.package;
    const ring = [...h.ring.entries];
    const before = h.ring.headWire();
    const r = await h.call<BatchResult>('batch', {
      ops: [
        { op: 'fund', args: { ...officerFund(c.pkg, '-5') } },
        { op: 'log', args: { action: '' } },
        { op: 'log', args: { action: 'ok', logExtra: 'x'.repeat(MAX_LOG_EXTRA_BYTES + 1) } },
      ],
    });
    expect(r.results.every((x) => !x.ok)).toBe(true);
    expect(r).not.toHaveProperty('logHead');
    expect(r.checkpoint).toEqual(before);
    expect(h.ring.entries).toEqual(ring);
    const next = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '1') });
    expectChained(next, pos(first));
  });

  it('a batch is refused whole (no records) when empty, too long, or on a stale checkpoint', async () => {
    const c = await registeredMeter(h.engine, T0);
    await rejectsWith(h.call('batch', { ops: [] }), 'invalid_request');
    await rejectsWith(h.call('batch', { ops: Array.from({ length: 65 }, () => ({ op: 'log', args: { action: 'x' } })) }), 'invalid_request');
    await h.call('fund', { ...officerFund(c.pkg, '1') });
    await rejectsWith(h.dispatch('batch', { ops: [{ op: 'fund', args: { ...officerFund(c.pkg, '1') } }] }, null), 'checkpoint_mismatch');
    expect(h.ring.head.logSeq).toBe(1n);
  });
});

describe('GuardedModule log: after recover rolls the ring back', () => {
  it('the next record continues from the kept head: the same seq as a discarded one, prevHash = the kept hash', async () => {
    const c = await registeredMeter(h.engine, T0);
    const wires: CheckpointWire[] = [h.ring.headWire()];
    const funds: Logged<FundResult>[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1000);
      const args = { ...officerFund(c.pkg, String(100 * (i + 1))) };
      // The last fund's commit fails: answered by the module, never confirmed by the server.
      const r = i < 2 ? await h.call<Logged<FundResult>>('fund', args) : await h.dispatch<Logged<FundResult>>('fund', args, h.db);
      if (i < 2) c.pkg = r.package;
      funds.push(r);
      wires.push(r.checkpoint);
    }
    expect(h.ring.head.logSeq).toBe(3n);

    // The database lost the failed commit: its checkpoint is the one after the second fund.
    const rec = (await h.guard.dispatch('recover', { checkpoint: wires[2]! })) as RecoverResult;
    expect(rec.outcome).toBe('recovered');
    expect(rec.discarded.map((d) => d.logSeq)).toEqual(['3']);
    expect(h.ring.head).toMatchObject({ logSeq: 2n, logHead: funds[1]!.logRecord.hash });

    h.clock.advance(1000);
    expect(h.db).toEqual(wires[2]);
    const next = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '7') });
    c.pkg = next.package;
    const hdr = expectChained(next, pos(funds[1]!));
    expect(hdr.seq).toBe(BigInt(funds[2]!.logRecord.seq));
    expect(next.logRecord.hash).not.toBe(funds[2]!.logRecord.hash);
    expect(hdr.prevHash).toBe(funds[1]!.logRecord.hash);

    // And the chain goes on from the new record, not the discarded one.
    const after = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '8') });
    expect(expectChained(after, pos(next)).seq).toBe(4n);
  });

  it('recover to genesis (a never-stored checkpoint is gone): the log restarts at 1 after GENESIS_HASH', async () => {
    const c = await registeredMeter(h.engine, T0);
    const genesisWire = h.ring.headWire();
    // The first op's commit failed: the database never stored its checkpoint.
    const first = await h.dispatch<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '1') }, genesisWire);
    const rec = (await h.guard.dispatch('recover', { checkpoint: genesisWire })) as RecoverResult;
    expect(rec.outcome).toBe('recovered');
    expect(rec.discarded.map((d) => d.logSeq)).toEqual(['1']);
    h.db = genesisWire;
    const again = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, '1') });
    const hdr = expectChained(again, GENESIS);
    expect(hdr.seq).toBe(1n);
    expect(again.logRecord.hash).not.toBe(first.logRecord.hash);
  });
});
