import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SoftwareCheckpointKeys } from '../../../src/module/software-crypto.js';
import { checkpointToJson, decodeCheckpointRecord, genesis, toWire } from '../../../src/module/checkpoint.js';
import type { CheckpointWire, FundResult, ModuleStatus, RecoverResult } from '../../../src/module/messages.js';
import type { VaultError } from '../../../src/errors.js';
import { registeredMeter, rejectsWith, T0, type TestClient, officerFund, dualControl } from '../helpers/engine.js';
import { GuardHarness } from '../helpers/guard.js';

// Ring size 3: the head and two older entries, as in the patent.
let h: GuardHarness;
let c: TestClient;
beforeEach(async () => {
  h = await GuardHarness.create(3);
  c = await registeredMeter(h.engine, T0);
});
afterEach(() => h.cleanup());

/** The module's log head after each fund of the last `funds` call, by checkpoint index. */
let logHeads: { seq: string; hash: string }[] = [];

/**
 * n funds through the guard; returns every checkpoint the database held, genesis first. Each commit
 * is confirmed, as the server does, except the last one's when `lastFails`: the module answered it,
 * but the database never stored it (nor the package it handed back).
 */
async function funds(n: number, lastFails = false): Promise<CheckpointWire[]> {
  const wires = [h.ring.headWire()];
  logHeads = [{ seq: '0', hash: '00'.repeat(32) }];
  for (let i = 0; i < n; i++) {
    h.clock.advance(1000);
    const args = { ...officerFund(c.pkg, String(100 * (i + 1))) };
    type Funded = FundResult & { checkpoint: CheckpointWire; logHead: { seq: string; hash: string } };
    const r = lastFails && i === n - 1 ? await h.dispatch<Funded>('fund', args, h.db) : await h.call<Funded>('fund', args);
    if (!lastFails || i < n - 1) c.pkg = r.package;
    wires.push(r.checkpoint);
    logHeads.push({ seq: r.logHead.seq, hash: r.logHead.hash });
  }
  return wires;
}

const recover = (checkpoint: CheckpointWire | null, log?: { seq: string; hash: string }) =>
  h.guard.dispatch('recover', { checkpoint, log }) as Promise<RecoverResult>;
const reseed = (checkpoint: CheckpointWire | null, log?: { seq: string; hash: string }) =>
  h.guard.dispatch('reseed', { checkpoint, log, authorization: dualControl('reinstate_module', { module: h.ring.serial }) });
const seqOf = (w: CheckpointWire) => decodeCheckpointRecord(Buffer.from(w.record, 'hex'))!.seq;

async function expectInhibited(): Promise<void> {
  const head = h.ring.headWire();
  for (const [op, args] of [
    ['provision', { licensingZip: '20260' }],
    ['fund', { ...officerFund(c.pkg, '1') }],
    ['audit', { pkg: c.pkg }],
    ['challenge', { pkg: c.pkg, clientNonce: randomBytes(32).toString('hex') }],
    ['command', c.build('balance')],
  ] as const) {
    await rejectsWith(h.dispatch(op, args, head), 'module_inhibited');
  }
  await rejectsWith(recover(head), 'module_inhibited');
  const info = (await h.guard.dispatch('info', {})) as ModuleStatus;
  expect(info.inhibited?.reason).toMatch(/not in the ring/);
}

describe("recover: the database's checkpoint is in the ring", () => {
  it('at the head: nothing to do', async () => {
    const wires = await funds(2);
    expect(await recover(wires[2]!)).toEqual({ outcome: 'current', discarded: [] });
    expect(h.ring.head.seq).toBe(2n);
    expect(h.logs).toEqual([]);
  });

  it('a failed commit (the head, never confirmed): rolls back, reports the discarded entry, and runs from there', async () => {
    const wires = await funds(3, true);
    const ring = [...h.ring.entries];
    const target = wires[2]!;
    const r = await recover(target);
    expect(r.outcome).toBe('recovered');
    expect(r.discarded).toEqual(ring.slice(ring.length - 1).map(checkpointToJson));
    expect(r.discarded.map((d) => d.seq)).toEqual(['3']);
    expect(r.checkpoint).toEqual(target);
    expect(h.ring.headWire()).toEqual(target);
    expect(h.logs.at(-1)).toContain('1 transaction(s) of a failed commit discarded');
    // Its record is cut from the journal too.
    expect(h.journal!.head).toEqual({ seq: 2n, hash: logHeads[2]!.hash });
    // The old head is gone: only the database's checkpoint opens the next op, and the seq follows it.
    await rejectsWith(h.dispatch('fund', { ...officerFund(c.pkg, '1') }, wires[3]!), 'checkpoint_mismatch');
    const next = await h.dispatch<{ checkpoint: CheckpointWire }>('fund', { ...officerFund(c.pkg, '1') }, target);
    expect(seqOf(next.checkpoint)).toBe(seqOf(target) + 1n);
    // The rolled-back totals are the target's: the discarded funding is no longer counted.
    expect(h.ring.head.fundedMills).toBe(decodeCheckpointRecord(Buffer.from(target.record, 'hex'))!.fundedMills + 1n);
  });

  it.each([1, 2])('%i confirmed step(s) missing from the database: database_stale; rolled forward to the head, nothing is discarded', async (back) => {
    const wires = await funds(3);
    const ring = [...h.ring.entries];
    const target = wires[3 - back]!;
    // The database was put back: its checkpoint and its log lack `back` committed transactions.
    for (const log of [undefined, logHeads[3 - back]]) {
      const e = await recover(target, log).then(
        () => expect.unreachable('expected database_stale'),
        (err: unknown) => err as VaultError,
      );
      expect(e.code, e.message).toBe('database_stale');
      expect(e.extra).toEqual({ logSeq: String(3 - back), confirmedSeq: '3' });
    }
    expect(h.ring.entries).toEqual(ring);
    expect(h.ring.inhibited).toBeNull();
    // Rolled forward (from the journal) to the head's log position: the head stands, nothing discarded.
    const r = await recover(target, logHeads[3]);
    expect(r).toEqual({ outcome: 'rolled_forward', discarded: [], checkpoint: wires[3] });
    expect(h.ring.entries).toEqual(ring);
    expect(h.logs.at(-1)).toBe('recovered at checkpoint seq 3 (log record 3)');
    const next = await h.dispatch<{ checkpoint: CheckpointWire }>('fund', { ...officerFund(c.pkg, '1') }, wires[3]!);
    expect(seqOf(next.checkpoint)).toBe(4n);
    expect(h.ring.head.fundedMills).toBe(601n);
  });

  it('the rollback survives a restart', async () => {
    const wires = await funds(3, true);
    await recover(wires[2]!);
    await h.reload();
    expect(h.ring.headWire()).toEqual(wires[2]);
    expect(h.journal!.head).toEqual({ seq: 2n, hash: logHeads[2]!.hash });
  });
});

describe('recover: a checkpoint the ring cannot accept', () => {
  it('forged: refused, and the ring is unchanged and not inhibited', async () => {
    const wires = await funds(2);
    const entries = [...h.ring.entries];
    await rejectsWith(recover({ ...wires[1]!, mac: 'ab'.repeat(32) }), 'checkpoint_forged');
    await rejectsWith(recover(await toWire(new SoftwareCheckpointKeys(randomBytes(32), 'M-UNIT'), h.ring.entries[0]!)), 'checkpoint_forged');
    expect(h.ring.entries).toEqual(entries);
    expect(h.ring.inhibited).toBeNull();
  });

  it("another module's: refused, unchanged", async () => {
    await funds(2);
    const entries = [...h.ring.entries];
    await rejectsWith(recover(await toWire(h.key, { ...h.ring.entries[0]!, moduleSerial: 'M-OTHER' })), 'checkpoint_foreign');
    expect(h.ring.entries).toEqual(entries);
    expect(h.ring.inhibited).toBeNull();
  });

  it('authentic but older than the ring: the module is inhibited, and stays so after a restart', async () => {
    const wires = await funds(4);
    expect(h.ring.entries.map((e) => e.seq)).toEqual([2n, 3n, 4n]);
    const r = await recover(wires[1]!);
    expect(r.outcome).toBe('inhibited');
    expect(r.discarded).toEqual([]);
    expect(r.reason).toMatch(/newest seq 4, oldest seq 2/);
    expect(h.logs.at(-1)).toMatch(/^INHIBITED/);
    expect(h.ring.inhibited).toMatchObject({ atMs: h.clock.now() });
    // The ring itself is kept for the investigation.
    expect(h.ring.entries.map((e) => e.seq)).toEqual([2n, 3n, 4n]);
    await expectInhibited();
    await h.reload();
    await expectInhibited();
  });

  it('a null (never stored) checkpoint after the ring has moved: inhibited', async () => {
    await funds(1);
    expect((await recover(null)).outcome).toBe('inhibited');
    await expectInhibited();
  });
});

describe('reseed: return to service', () => {
  /** Three commits confirmed, the fourth failed; then the database turns up with the genesis checkpoint, not in the ring. */
  async function inhibited(): Promise<CheckpointWire[]> {
    const wires = await funds(4, true);
    expect((await recover(wires[0]!)).outcome).toBe('inhibited');
    return wires;
  }

  it('with an authentic checkpoint of this module: the ring restarts from it, for good', async () => {
    const wires = await inhibited();
    const db = wires[3]!;
    await expect(reseed(db)).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(reseed(db, logHeads[2])).rejects.toMatchObject({ code: 'checkpoint_mismatch' });
    // An older checkpoint, whose database lacks committed transactions: rolled forward first.
    await expect(reseed(wires[1]!, logHeads[1])).rejects.toMatchObject({ code: 'database_stale' });
    expect(h.ring.inhibited).not.toBeNull();
    const r = await reseed(db, logHeads[3]);
    expect(r).toEqual({ checkpoint: db });
    expect(h.ring.head.logHead).toBe(logHeads[3]!.hash);
    expect(h.ring.inhibited).toBeNull();
    expect(h.ring.entries).toHaveLength(1);
    expect(h.logs.at(-1)).toBe('re-seeded the ring at seq 3 (log record 3)');
    await h.reload();
    expect(h.ring.inhibited).toBeNull();
    const next = await h.dispatch<{ checkpoint: CheckpointWire }>('fund', { ...officerFund(c.pkg, '7') }, db);
    expect(seqOf(next.checkpoint)).toBe(4n);
    expect(h.ring.head.fundedMills).toBe(607n);
  });

  it('with null while the journal shows committed transactions: database_stale, and the module stays inhibited', async () => {
    await inhibited();
    const entries = [...h.ring.entries];
    await rejectsWith(reseed(null), 'database_stale');
    expect(h.ring.entries).toEqual(entries);
    await expectInhibited();
  });

  it('with null, nothing committed: restarts from a fresh genesis entry that null then matches', async () => {
    // The first op's commit failed, and the database shows an authentic checkpoint the ring does not hold.
    await h.dispatch('fund', { ...officerFund(c.pkg, '1') }, null);
    expect((await recover(await toWire(h.key, { ...h.ring.head, seq: 99n }))).outcome).toBe('inhibited');
    h.clock.advance(5000);
    const r = await reseed(null);
    expect(Object.keys(r)).toEqual(['checkpoint']);
    expect(decodeCheckpointRecord(Buffer.from(r.checkpoint.record, 'hex'))).toEqual({ ...genesis(h.serial, h.clock.now()), logHead: '' });
    expect(h.ring.inhibited).toBeNull();
    const next = await h.dispatch<{ checkpoint: CheckpointWire }>('fund', { ...officerFund(c.pkg, '7') }, null);
    expect(seqOf(next.checkpoint)).toBe(1n);
  });

  it('with a forged checkpoint: refused, and the module stays inhibited', async () => {
    const wires = await inhibited();
    const entries = [...h.ring.entries];
    await rejectsWith(reseed({ ...wires[2]!, mac: 'cd'.repeat(32) }), 'checkpoint_forged');
    await rejectsWith(reseed(await toWire(new SoftwareCheckpointKeys(randomBytes(32), 'M-UNIT'), { ...h.ring.head, seq: 50n })), 'checkpoint_forged');
    await rejectsWith(reseed({ record: 'zz', mac: 'zz' }), 'checkpoint_forged');
    expect(h.ring.entries).toEqual(entries);
    await expectInhibited();
  });

  it("with another module's checkpoint: refused, and the module stays inhibited", async () => {
    await inhibited();
    await rejectsWith(reseed(await toWire(h.key, genesis('M-OTHER', T0))), 'checkpoint_foreign');
    await expectInhibited();
  });
});
