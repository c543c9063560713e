import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Constants from '../../../src/constants.js';
import { GENESIS_HASH } from '../../../src/ledger/record.js';
import type {
  BatchResult,
  CheckpointWire,
  FundResult,
  JournalResult,
  JournalShippedResult,
  LogRecordWire,
  RecoverResult,
  ReseedResult,
  SignedHeadWire,
} from '../../../src/module/messages.js';
import { dualControl, registeredMeter, rejectsWith, T0, officerFund, type TestClient } from '../helpers/engine.js';
import { GuardHarness } from '../helpers/guard.js';
import { headerOf, wireHeadValid } from '../helpers/txlog.js';
import { vaultError } from '../helpers/vault-error.js';

// The journal's limits, lowered by a test that fills it (0: the real limit).
const limits = vi.hoisted(() => ({ records: 0, bytes: 0 }));
vi.mock('../../../src/constants.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Constants>();
  return {
    ...actual,
    get MAX_JOURNAL_RECORDS() {
      return limits.records || actual.MAX_JOURNAL_RECORDS;
    },
    get MAX_JOURNAL_BYTES() {
      return limits.bytes || actual.MAX_JOURNAL_BYTES;
    },
  };
});

let h: GuardHarness;
beforeEach(async () => {
  h = await GuardHarness.create(5);
});
afterEach(async () => {
  limits.records = 0;
  limits.bytes = 0;
  await h.cleanup();
});

type Logged<T = Record<string, unknown>> = T & { checkpoint: CheckpointWire; logRecord: LogRecordWire; logHead: SignedHeadWire };
type Position = { seq: string; hash: string };

const GENESIS: Position = { seq: '0', hash: GENESIS_HASH };
const posOf = (r: { logRecord: LogRecordWire }): Position => ({ seq: r.logRecord.seq, hash: r.logRecord.hash });
const journalHead = (): Position => ({ seq: h.journal!.head.seq.toString(), hash: h.journal!.head.hash });

/** A fund through the guard, committed and confirmed as the server does; the client keeps the new package. */
async function fund(c: TestClient, amount = '100'): Promise<Logged<FundResult>> {
  h.clock.advance(1000);
  const r = await h.call<Logged<FundResult>>('fund', { ...officerFund(c.pkg, amount) });
  c.pkg = r.package;
  return r;
}

/** A fund the module answers but whose commit fails: the database keeps its checkpoint and the old package. */
function failedFund(c: TestClient, amount = '100'): Promise<Logged<FundResult>> {
  h.clock.advance(1000);
  return h.dispatch<Logged<FundResult>>('fund', { ...officerFund(c.pkg, amount) }, h.db);
}

const op = <T>(name: 'recover' | 'journal' | 'journalOfMeter' | 'journalShipped' | 'confirm' | 'reseed', args: object) =>
  h.guard.dispatch(name, args as never) as Promise<T>;
const recover = (checkpoint: CheckpointWire | null, log?: Position) => op<RecoverResult>('recover', { checkpoint, log });

/** What a refused op must leave alone: the ring, and the journal in memory and on disk. */
async function snapshot() {
  return { ring: [...h.ring.entries], head: h.journal!.head, records: h.journal!.records, file: await readFile(`${h.ringPath}.journal`) };
}

describe('GuardedModule journal: a package older than the journal shows', () => {
  it('is refused with package_stale by every package op, and nothing is appended', async () => {
    const c = await registeredMeter(h.engine, T0);
    const old = c.pkg;
    await fund(c);
    const before = await snapshot();
    for (const [name, args] of [
      ['fund', { ...officerFund(old, '100') }],
      ['audit', { pkg: old }],
      ['challenge', { pkg: old, clientNonce: randomBytes(32).toString('hex') }],
      ['command', { ...c.build('balance'), pkg: old }],
    ] as const) {
      const e = await vaultError(h.call(name, args), 'package_stale');
      expect(e.extra).toEqual({ meterId: c.meterId, version: '3', knownVersion: '4' });
    }
    expect(await snapshot()).toEqual(before);
    expect(h.logs.at(-1)).toMatch(new RegExp(`^refused meter ${c.meterId}: package version 3, the journal shows version 4 \\(log record 1\\)`));
    // In a batch, the stale op fails alone.
    const other = await registeredMeter(h.engine, T0);
    const b = await h.call<BatchResult>('batch', {
      ops: [
        { op: 'fund', args: { ...officerFund(old, '1') } },
        { op: 'fund', args: { ...officerFund(other.pkg, '1') } },
      ],
    });
    expect(b.results.map((x) => (x.ok ? 'ok' : x.error.code))).toEqual(['package_stale', 'ok']);
    expect(h.journal!.records).toBe(2);
  });

  it('is still refused after a restart, while the current package runs', async () => {
    const c = await registeredMeter(h.engine, T0);
    const old = c.pkg;
    await fund(c);
    await h.reload();
    await rejectsWith(h.call('fund', { ...officerFund(old, '1') }), 'package_stale');
    expect((await fund(c, '5')).drMills).toBe('105');
  });

  it('a log op about the meter (no package) does not hide its version', async () => {
    const c = await registeredMeter(h.engine, T0);
    const old = c.pkg;
    await fund(c);
    await h.call('log', { action: 'suspend_meter', meterId: c.meterId });
    await rejectsWith(h.call('fund', { ...officerFund(old, '1') }), 'package_stale');
    await h.reload();
    await rejectsWith(h.call('fund', { ...officerFund(old, '1') }), 'package_stale');
  });
});

describe('GuardedModule journal: confirmations and recovery', () => {
  it('a failed commit is discarded by recover and its records are cut from the journal', async () => {
    const [c1, c2] = [await registeredMeter(h.engine, T0), await registeredMeter(h.engine, T0)];
    const first = await fund(c1);
    const b = await h.dispatch<BatchResult>('batch', { ops: [c1, c2].map((c) => ({ op: 'fund', args: { ...officerFund(c.pkg, '50') } })) }, h.db);
    expect(b.results.every((x) => x.ok)).toBe(true);
    expect(h.journal!.records).toBe(3);
    const r = await recover(h.db);
    expect(r.outcome).toBe('recovered');
    expect(r.discarded.map((d) => d.meterId)).toEqual([c1.meterId, c2.meterId]);
    expect([journalHead(), h.journal!.records, h.journal!.confirmedSeq]).toEqual([posOf(first), 1, 1n]);
    await h.reload();
    expect(journalHead()).toEqual(posOf(first));
    // The packages the database kept run again; the chain goes on after the kept record.
    const again = await fund(c2, '7');
    expect(again.logRecord.seq).toBe('2');
    expect(headerOf(again.logRecord).prevHash).toBe(first.logRecord.hash);
    expect((await fund(c1, '1')).drMills).toBe('101');
  });

  it('the confirmation of the kept head survives that cut and a restart', async () => {
    const c = await registeredMeter(h.engine, T0);
    const wires = [h.ring.headWire()];
    for (let i = 0; i < 2; i++) wires.push((await fund(c)).checkpoint);
    await failedFund(c);
    expect((await recover(wires[2]!)).discarded).toHaveLength(1);
    await h.reload();
    expect(h.journal!.confirmedSeq).toBe(2n);
    // The database put back one more commit: the second fund was committed, so it is not discarded.
    await rejectsWith(recover(wires[1]!), 'database_stale');
    expect(h.ring.headWire()).toEqual(wires[2]);
  });

  it('a package op presenting the head confirms it; confirm refuses a checkpoint not in the ring', async () => {
    const c = await registeredMeter(h.engine, T0);
    const genesisWire = h.ring.headWire();
    const f = await failedFund(c);
    expect(h.journal!.confirmedSeq).toBe(0n);
    await h.dispatch('audit', { pkg: f.package }, f.checkpoint);
    expect(h.journal!.confirmedSeq).toBe(1n);
    const e = await vaultError(recover(genesisWire), 'database_stale');
    expect(e.extra).toEqual({ logSeq: '0', confirmedSeq: '1' });
    await rejectsWith(op('confirm', { checkpoint: { ...f.checkpoint, mac: 'ab'.repeat(32) } }), 'checkpoint_mismatch');
    expect(await op('confirm', { checkpoint: genesisWire })).toEqual({ confirmedSeq: '1' });
  });

  it('a database put back 2 confirmed transactions: database_stale; the journal returns exactly those 2; rolled forward, nothing is discarded', async () => {
    const c = await registeredMeter(h.engine, T0);
    const wires = [h.ring.headWire()];
    const funds: Logged<FundResult>[] = [];
    for (let i = 0; i < 3; i++) {
      funds.push(await fund(c, String(100 * (i + 1))));
      wires.push(funds[i]!.checkpoint);
    }
    const ring = [...h.ring.entries];
    const e = await vaultError(recover(wires[1]!, posOf(funds[0]!)), 'database_stale');
    expect(e.extra).toEqual({ logSeq: '1', confirmedSeq: '3' });
    expect(h.ring.entries).toEqual(ring);

    const page = await op<JournalResult>('journal', { after: posOf(funds[0]!) });
    expect(page.records).toEqual([funds[1]!.logRecord, funds[2]!.logRecord]);
    expect(page.complete).toBe(true);
    expect(page.head).toMatchObject({ logId: h.serial, ...posOf(funds[2]!) });
    expect(wireHeadValid(h.keystore.identity.certPem, page.head!)).toBe(true);

    const r = await recover(wires[1]!, { seq: page.head!.seq, hash: page.head!.hash });
    expect(r).toEqual({ outcome: 'rolled_forward', discarded: [], checkpoint: wires[3] });
    expect(h.ring.entries).toEqual(ring);
    h.db = r.checkpoint!;
    const next = await fund(c, '1');
    expect(next.logRecord.seq).toBe('4');
    expect(next.drMills).toBe('601');
  });
});

describe('GuardedModule journal: the journal ops', () => {
  it('journal: committed records only; a position it does not hold is journal_gap', async () => {
    const c = await registeredMeter(h.engine, T0);
    const funds = [await fund(c), await fund(c)];
    await failedFund(c);
    expect(await op<JournalResult>('journal', { after: GENESIS })).toMatchObject({ records: funds.map((f) => f.logRecord), complete: true });
    expect(await op<JournalResult>('journal', { after: posOf(funds[1]!) })).toEqual({ records: [], complete: true });
    await rejectsWith(op('journal', { after: { seq: '1', hash: 'ab'.repeat(32) } }), 'journal_gap');
    await rejectsWith(op('journal', { after: { seq: '9', hash: funds[1]!.logRecord.hash } }), 'journal_gap');
    await rejectsWith(op('journal', { after: { seq: 'one', hash: funds[1]!.logRecord.hash } }), 'invalid_request');
  });

  it("journalOfMeter: that meter's committed records newer than the version", async () => {
    const [c1, c2] = [await registeredMeter(h.engine, T0), await registeredMeter(h.engine, T0)];
    const a = await fund(c1);
    await fund(c2);
    const b = await fund(c1);
    await failedFund(c1);
    const of = async (c: TestClient, afterVersion: string) =>
      (await op<{ records: LogRecordWire[] }>('journalOfMeter', { meterId: c.meterId, afterVersion })).records;
    expect(await of(c1, '3')).toEqual([a.logRecord, b.logRecord]);
    expect(await of(c1, '4')).toEqual([b.logRecord]);
    expect(await of(c1, '5')).toEqual([]);
    expect((await of(c2, '0')).map((r) => r.seq)).toEqual(['2']);
    expect(await op('journalOfMeter', { meterId: 'no-such-meter', afterVersion: '0' })).toEqual({ records: [] });
    await rejectsWith(op('journalOfMeter', { meterId: c1.meterId, afterVersion: '-1' }), 'invalid_request');
  });

  it('journalShipped: drops the records up to the position; a wrong hash is journal_gap', async () => {
    const c = await registeredMeter(h.engine, T0);
    const funds = [await fund(c), await fund(c), await fund(c)];
    await rejectsWith(op('journalShipped', { at: { ...posOf(funds[1]!), hash: funds[0]!.logRecord.hash } }), 'journal_gap');
    const r = await op<JournalShippedResult>('journalShipped', { at: posOf(funds[1]!) });
    expect(r).toEqual({ dropped: 2, records: 1, bytes: (await readFile(`${h.ringPath}.journal`)).length });
    expect([h.journal!.base.seq, h.journal!.confirmedSeq]).toEqual([2n, 3n]);
    await rejectsWith(op('journal', { after: posOf(funds[0]!) }), 'journal_gap');
    expect((await op<JournalResult>('journal', { after: posOf(funds[1]!) })).records).toEqual([funds[2]!.logRecord]);
    await h.reload();
    expect((await fund(c)).logRecord.seq).toBe('4');
  });
});

describe('GuardedModule journal: backpressure and re-seeding', () => {
  it('a full journal refuses package ops (journal_full) until the shipper lets it go', async () => {
    const c = await registeredMeter(h.engine, T0);
    limits.records = 3;
    const funds = [await fund(c), await fund(c), await fund(c)];
    const before = await snapshot();
    await rejectsWith(h.call('fund', { ...officerFund(c.pkg, '1') }), 'journal_full');
    await rejectsWith(h.call('log', { action: 'note' }), 'journal_full');
    await rejectsWith(h.call('batch', { ops: [{ op: 'fund', args: { ...officerFund(c.pkg, '1') } }] }), 'journal_full');
    expect(await snapshot()).toEqual(before);
    expect(h.logs.at(-1)).toMatch(/^ALARM: the journal holds 3 records \(\d+ bytes\) not confirmed off-site/);
    // The ops that do not add to it still run.
    expect(await recover(h.db)).toEqual({ outcome: 'current', discarded: [] });
    expect((await op<JournalResult>('journal', { after: GENESIS })).records).toHaveLength(3);
    await op('journalShipped', { at: posOf(funds[0]!) });
    expect((await fund(c)).logRecord.seq).toBe('4');
    // The byte bound too.
    limits.records = 0;
    limits.bytes = h.journal!.bytes;
    await rejectsWith(h.call('fund', { ...officerFund(c.pkg, '1') }), 'journal_full');
    limits.bytes = h.journal!.bytes + 1;
    expect((await fund(c)).logRecord.seq).toBe('5');
  });

  it('reseed onto a database the journal cannot complete: the meters it showed come back unproven, and it is kept as evidence', async () => {
    const [c1, c2] = [await registeredMeter(h.engine, T0), await registeredMeter(h.engine, T0)];
    const wires = [h.ring.headWire()];
    const funds: Logged<FundResult>[] = [];
    for (const [c, amount] of [
      [c1, '100'],
      [c2, '200'],
      [c1, '300'],
      [c2, '400'],
    ] as const) {
      funds.push(await fund(c, amount));
      wires.push(funds.at(-1)!.checkpoint);
    }
    await h.call('log', { action: 'suspend_meter', meterId: c1.meterId });
    // Records 1 and 2 are off-site; the database comes back from a backup taken after record 1.
    await op('journalShipped', { at: posOf(funds[1]!) });
    const journalFile = await readFile(`${h.ringPath}.journal`);
    const authorization = dualControl('reinstate_module', { module: h.serial });
    const r = await op<ReseedResult>('reseed', { checkpoint: wires[1], log: posOf(funds[0]!), authorization });
    expect(r.checkpoint).toEqual(wires[1]);
    expect([...r.unproven!].sort((x, y) => Number(x.logSeq) - Number(y.logSeq))).toEqual([
      { meterId: c1.meterId, version: '5', arMills: '0', drMills: '400', logSeq: '3' },
      { meterId: c2.meterId, version: '5', arMills: '0', drMills: '600', logSeq: '4' },
    ]);
    expect(r.evidence).toBe(`${h.ringPath}.journal.${new Date(h.clock.now()).toISOString().replace(/[:.]/g, '-')}.evidence`);
    expect(await readFile(r.evidence!)).toEqual(journalFile);
    expect(h.logs).toContainEqual(expect.stringMatching(/^ALARM: the database cannot be completed from the journal; 2 meter\(s\) unproven/));
    // A fresh journal at the database's position, which survives a restart, and the evidence with it.
    expect([journalHead(), h.journal!.records]).toEqual([posOf(funds[0]!), 0]);
    await h.reload();
    expect(journalHead()).toEqual(posOf(funds[0]!));
    expect(existsSync(r.evidence!)).toBe(true);
    h.db = wires[1]!;
    const next = await h.call<Logged<FundResult>>('fund', { ...officerFund(funds[0]!.package, '1') });
    expect(next.logRecord.seq).toBe('2');
  });

  it('a ring file lost: on restart the journal it leaves behind is kept as evidence, and a fresh one starts', async () => {
    const c = await registeredMeter(h.engine, T0);
    await fund(c);
    await fund(c);
    const journalFile = await readFile(`${h.ringPath}.journal`);
    await rm(h.ringPath);
    h.clock.advance(1000);
    await h.reload();
    expect(h.ring.isNew).toBe(true);
    expect([journalHead(), h.journal!.records]).toEqual([GENESIS, 0]);
    const evidence = `${h.ringPath}.journal.${new Date(h.clock.now()).toISOString().replace(/[:.]/g, '-')}.evidence`;
    expect(await readFile(evidence)).toEqual(journalFile);
  });
});
