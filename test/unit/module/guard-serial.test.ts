import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toWire, type Checkpoint } from '../../../src/module/checkpoint.js';
import type { CheckpointWire, FundResult, ProvisionResult } from '../../../src/module/messages.js';
import { registeredMeter, T0, type TestClient, officerFund } from '../helpers/engine.js';
import { GuardHarness } from '../helpers/guard.js';
import type { LooseJson } from '../../helpers/loose-json.js';

// Ops are serialized: each one sees the ring exactly as the op dispatched before it left it, so the
// ring is a total order and no two ops can both build on the same checkpoint.

let h: GuardHarness;
let c: TestClient;
beforeEach(async () => {
  h = await GuardHarness.create(5);
  c = await registeredMeter(h.engine, T0);
});
afterEach(() => h.cleanup());

type Outcome = { ok: true; value: LooseJson } | { ok: false; code: string };
const settle = (ps: Promise<unknown>[]): Promise<Outcome[]> =>
  Promise.all(
    ps.map((p) =>
      p.then(
        (value) => ({ ok: true as const, value }),
        (e) => ({ ok: false as const, code: String((e as { code?: string }).code ?? e) }),
      ),
    ),
  );

/** The entry the ring will append for a fund of `amount` on the client's package `client.pkg`, at `seq`. */
function fundEntry(seq: bigint, amount: bigint, fundedBefore: bigint, client: TestClient = c): Checkpoint {
  return {
    seq,
    moduleSerial: h.serial,
    meterId: client.meterId,
    type: 'fund',
    amountMills: amount,
    arMills: client.ar,
    drMills: client.dr + amount,
    packageVersion: BigInt(client.pkg.version) + 1n,
    atMs: h.clock.now(),
    fundedMills: fundedBefore + amount,
    printedMills: 0n,
    refundedMills: 0n,
    logSeq: seq,
    logHead: '',
  };
}

/** Entries without the log chain's hash, which depends on random IVs. */
const withoutHead = (es: readonly Checkpoint[]) => es.map((e) => ({ ...e, logHead: '' }));

describe('GuardedModule serializes ops', () => {
  it('of several slow ops given the same head, exactly the first dispatched runs', async () => {
    const head = h.ring.headWire();
    const outcomes = await settle([0, 1, 2, 3].map(() => h.dispatch('provision', { licensingZip: '20260' }, head)));
    expect(outcomes[0]!.ok).toBe(true);
    expect(outcomes.slice(1)).toEqual([1, 2, 3].map(() => ({ ok: false, code: 'checkpoint_mismatch' })));
    const winner = (outcomes[0] as { value: ProvisionResult & { checkpoint: CheckpointWire } }).value;
    expect(h.ring.entries.map((e) => e.seq)).toEqual([0n, 1n]);
    expect(h.ring.head.meterId).toBe(winner.meterId);
    expect(winner.checkpoint).toEqual(h.ring.headWire());
  });

  it('a fast op dispatched after a slow one waits for it, and sees its checkpoint', async () => {
    const head = h.ring.headWire();
    const slow = h.dispatch<ProvisionResult & { checkpoint: CheckpointWire }>('provision', { licensingZip: '20260' }, head);
    const fast = h.dispatch('fund', { ...officerFund(c.pkg, '100') }, head);
    const [s, f] = await settle([slow, fast]);
    expect(s!.ok).toBe(true);
    expect(f).toEqual({ ok: false, code: 'checkpoint_mismatch' });
    expect(h.ring.entries.map((e) => e.type)).toEqual(['genesis', 'provision']);
  });

  it('ops dispatched at once, each with the checkpoint its predecessor will leave, all run, in order', async () => {
    // One meter per op: an op on a package its predecessor replaced would be refused (package_stale).
    const clients = [c, ...(await Promise.all([1, 2, 3].map(() => registeredMeter(h.engine, T0))))];
    const amounts = [100n, 200n, 300n, 400n];
    const expected: Checkpoint[] = [];
    let funded = 0n;
    amounts.forEach((a, i) => {
      expected.push(fundEntry(BigInt(i + 1), a, funded, clients[i]!));
      funded += a;
    });
    const wires = [h.ring.headWire(), ...(await Promise.all(expected.map((e) => toWire(h.key, e))))];
    const outcomes = await settle(amounts.map((a, i) => h.dispatch('fund', { ...officerFund(clients[i]!.pkg, a.toString()) }, wires[i]!)));
    outcomes.forEach((o, i) => {
      expect(o.ok, JSON.stringify(o)).toBe(true);
      expect((o as { value: FundResult & { checkpoint: CheckpointWire } }).value.checkpoint).toEqual(wires[i + 1]);
    });
    expect(withoutHead(h.ring.entries.slice(1))).toEqual(expected);
  });

  it('the same chain dispatched in reverse: only the op holding the head runs', async () => {
    const amounts = [100n, 200n, 300n];
    let funded = 0n;
    const wires = [h.ring.headWire()];
    for (const [i, a] of amounts.entries()) {
      wires.push(await toWire(h.key, fundEntry(BigInt(i + 1), a, funded)));
      funded += a;
    }
    const order = [2, 1, 0];
    const outcomes = await settle(order.map((i) => h.dispatch('fund', { ...officerFund(c.pkg, amounts[i]!.toString()) }, wires[i]!)));
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['checkpoint_mismatch', 'checkpoint_mismatch', 'ok']);
    expect(h.ring.entries.map((e) => e.seq)).toEqual([0n, 1n]);
    expect(h.ring.headWire()).toEqual(wires[1]);
  });

  it('a failing op does not stall or disturb the queue behind it', async () => {
    const head = h.ring.headWire();
    const outcomes = await settle([
      h.dispatch('fund', { ...officerFund(c.pkg, '0') }, head),
      h.dispatch('provision', { licensingZip: 'bad' }, head),
      h.dispatch('fund', { ...officerFund(c.pkg, '100') }, head),
      h.dispatch('fund', { ...officerFund(c.pkg, '100') }, head),
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['invalid_amount', 'invalid_request', 'ok', 'checkpoint_mismatch']);
    expect(h.ring.entries.map((e) => e.seq)).toEqual([0n, 1n]);
  });

  it('recover is serialized with package ops: it sees the ring the op before it left', async () => {
    const head = h.ring.headWire();
    const op = h.dispatch<{ checkpoint: CheckpointWire }>('fund', { ...officerFund(c.pkg, '100') }, head);
    const rec = h.guard.dispatch('recover', { checkpoint: head });
    const [o, r] = await settle([op, rec]);
    expect(o!.ok).toBe(true);
    // By the time recover runs, the fund is in the ring: the database's (old) checkpoint is one step back.
    expect((r as { value: { outcome: string; discarded: unknown[] } }).value).toMatchObject({ outcome: 'recovered', discarded: [{ seq: '1', type: 'fund' }] });
    expect(h.ring.headWire()).toEqual(head);
  });
});
