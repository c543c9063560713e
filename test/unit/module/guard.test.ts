import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SoftwareCheckpointKeys } from '../../../src/module/software-crypto.js';
import { decodeCheckpointRecord, genesis, toWire, wireIsAuthentic, type Checkpoint } from '../../../src/module/checkpoint.js';
import type {
  AuditResult,
  CheckpointWire,
  CommandResult,
  FundResult,
  ModuleStatus,
  ProvisionResult,
  RegisterBeginResult,
} from '../../../src/module/messages.js';
import { sealRegistration } from '../../../src/module/protocol-crypto.js';
import { PASSWORD, registeredMeter, rejectsWith, T0, TestClient, officerFund } from '../helpers/engine.js';
import { GuardHarness, printParams } from '../helpers/guard.js';

let h: GuardHarness;
beforeEach(async () => {
  h = await GuardHarness.create(5);
});
afterEach(() => h.cleanup());

type WithCheckpoint<T> = T & { checkpoint: CheckpointWire };
const entryOf = (w: CheckpointWire): Checkpoint => decodeCheckpointRecord(Buffer.from(w.record, 'hex'))!;

/** The op appended exactly one entry, the answer carries it as the new head, and it describes the op. */
async function expectAppended(before: bigint, r: { checkpoint: CheckpointWire }, expected: Partial<Checkpoint>): Promise<void> {
  expect(h.ring.head.seq).toBe(before + 1n);
  expect(r.checkpoint).toEqual(h.ring.headWire());
  expect(await wireIsAuthentic(h.key, r.checkpoint)).toBe(true);
  expect(await h.ring.match(r.checkpoint)).toEqual({ kind: 'head' });
  expect(entryOf(r.checkpoint)).toEqual({ ...h.ring.head, logHead: '' });
  expect(h.ring.head).toMatchObject({ moduleSerial: h.serial, atMs: h.clock.now(), ...expected });
}

describe('GuardedModule: every package op is checked against, and advances, the ring', () => {
  it('drives a meter through its whole life; each op appends exactly one entry describing it', async () => {
    let seq = h.ring.head.seq;
    expect(seq).toBe(0n);

    const p = await h.call<WithCheckpoint<ProvisionResult>>('provision', { licensingZip: '20260' });
    await expectAppended(seq++, p, { type: 'provision', meterId: p.meterId, packageVersion: 1n, amountMills: 0n });

    h.clock.advance(1000);
    const nonce = randomBytes(32);
    const begun = await h.call<WithCheckpoint<RegisterBeginResult>>('registerBegin', { pkg: p.package, clientNonce: nonce.toString('hex') });
    await expectAppended(seq++, begun, { type: 'registerBegin', meterId: p.meterId, packageVersion: 2n });

    const macKey = randomBytes(32);
    const env = sealRegistration(p.meterId, nonce, Buffer.from(begun.ephemeralPublicKey, 'hex'), { macKey, password: PASSWORD }, randomBytes);
    const done = await h.call<WithCheckpoint<CommandResult>>('registerComplete', {
      pkg: begun.package,
      clientPublicKey: env.clientPublicKey.toString('hex'),
      sealedSecrets: env.sealed.toString('base64'),
    });
    await expectAppended(seq++, done, { type: 'register', meterId: p.meterId, packageVersion: 3n });
    const c = new TestClient(h.engine, p.meterId, macKey, p);
    c.accept(done);

    h.clock.advance(1000);
    const f = await h.call<WithCheckpoint<FundResult>>('fund', { ...officerFund(c.pkg, '10000') });
    c.pkg = f.package;
    await expectAppended(seq++, f, { type: 'fund', amountMills: 10_000n, arMills: 0n, drMills: 10_000n, packageVersion: 4n, fundedMills: 10_000n });

    const pr = c.accept(await h.call<WithCheckpoint<CommandResult>>('command', c.build('print', printParams(730n))));
    expect(pr.error).toBeUndefined();
    await expectAppended(seq++, pr as WithCheckpoint<CommandResult>, {
      type: 'print',
      amountMills: 730n,
      arMills: 730n,
      drMills: 9_270n,
      packageVersion: BigInt(c.pkg.version),
      fundedMills: 10_000n,
      printedMills: 730n,
    });

    const rf = c.accept(
      await h.call<WithCheckpoint<CommandResult>>('command', c.build('refund', { itemId: pr.response.result.itemId! }, { itemBytes: pr.item! })),
    );
    expect(rf.error).toBeUndefined();
    await expectAppended(seq++, rf as WithCheckpoint<CommandResult>, {
      type: 'refund',
      amountMills: 730n,
      arMills: 730n,
      drMills: 10_000n,
      refundedMills: 730n,
      printedMills: 730n,
    });

    const ch = c.accept(await h.call<WithCheckpoint<CommandResult>>('challenge', { pkg: c.pkg, clientNonce: randomBytes(32).toString('hex') }));
    await expectAppended(seq++, ch as WithCheckpoint<CommandResult>, { type: 'challenge', amountMills: 0n, packageVersion: BigInt(c.pkg.version) });

    const login = c.accept(await h.call<WithCheckpoint<CommandResult>>('command', c.build('login', { sealedPassword: c.sealed(PASSWORD, c.loginChallenge!) })));
    expect(login.error).toBeUndefined();
    await expectAppended(seq++, login as WithCheckpoint<CommandResult>, { type: 'login' });

    const a = await h.call<WithCheckpoint<AuditResult>>('audit', { pkg: c.pkg });
    await expectAppended(seq, a, { type: 'audit', arMills: 730n, drMills: 10_000n, packageVersion: BigInt(a.package.version) });

    // Capacity 5: the ring holds the five newest of genesis + nine ops.
    expect(h.ring.entries.map((e) => e.type)).toEqual(['print', 'refund', 'challenge', 'login', 'audit']);
    expect(h.ring.head).toMatchObject({ seq: 9n, fundedMills: 10_000n, printedMills: 730n, refundedMills: 730n });
  });

  it('an authenticated refusal still appends (the package rotated), with the refusal as its type and no value', async () => {
    const c = await registeredMeter(h.engine, T0);
    const r = c.accept(await h.call<WithCheckpoint<CommandResult>>('command', c.build('print', printParams(730n))));
    expect(r.error?.code).toBe('insufficient_funds');
    await expectAppended(0n, r as WithCheckpoint<CommandResult>, { type: 'print:insufficient_funds', amountMills: 0n, printedMills: 0n, meterId: c.meterId });
  });

  it('an op that throws appends nothing, and the head still opens the next op', async () => {
    const c = await registeredMeter(h.engine, T0);
    c.pkg = (await h.call<WithCheckpoint<FundResult>>('fund', { ...officerFund(c.pkg, '100') })).package;
    const entries = [...h.ring.entries];
    await rejectsWith(h.call('fund', { ...officerFund(c.pkg, '0') }), 'invalid_amount');
    await rejectsWith(h.call('provision', { licensingZip: 'abc' }), 'invalid_request');
    await rejectsWith(h.call('command', { ...c.build('balance'), mac: '00'.repeat(32) }), 'bad_mac');
    await rejectsWith(
      h.call('audit', { pkg: { ...c.pkg, sealed: Buffer.concat([Buffer.of(1), Buffer.from('tampered')]).toString('base64') } }),
      'package_tampered',
    );
    await rejectsWith(h.call('nonsense' as never, {}), 'invalid_request');
    expect(h.ring.entries).toEqual(entries);
    expect((await h.call<WithCheckpoint<FundResult>>('fund', { ...officerFund(c.pkg, '5') })).drMills).toBe('105');
    expect(h.ring.head.seq).toBe(2n);
  });

  it('info reports the head checkpoint and the ring, and appends nothing', async () => {
    await h.call('provision', { licensingZip: '20260' });
    const info = (await h.guard.dispatch('info', {})) as ModuleStatus;
    expect(info.serial).toBe(h.serial);
    expect(info.checkpoint).toEqual(h.db);
    expect(info.inhibited).toBeNull();
    expect(info.ring.map((e) => e.seq)).toEqual(['0', '1']);
    expect(h.ring.head.seq).toBe(1n);
  });
});

describe('GuardedModule: a package op runs only on the ring head', () => {
  async function twoOpsIn() {
    const c = await registeredMeter(h.engine, T0);
    const first = h.ring.headWire();
    for (let i = 0; i < 2; i++) c.pkg = (await h.call<WithCheckpoint<FundResult>>('fund', { ...officerFund(c.pkg, '100') })).package;
    return { c, first };
  }

  /** Each op's args are built when it runs, on the client's current package. */
  const ops = (c: TestClient) =>
    [
      ['provision', () => ({ licensingZip: '20260' })],
      ['fund', () => ({ ...officerFund(c.pkg, '100') })],
      ['audit', () => ({ pkg: c.pkg })],
      ['challenge', () => ({ pkg: c.pkg, clientNonce: randomBytes(32).toString('hex') })],
      ['command', () => c.build('balance')],
    ] as const;

  async function refusedEverywhere(c: TestClient, checkpoint: CheckpointWire | null, code: string) {
    const entries = [...h.ring.entries];
    for (const [op, args] of ops(c)) await rejectsWith(h.dispatch(op, args(), checkpoint), code);
    expect(h.ring.entries).toEqual(entries);
  }

  it('an older checkpoint of the ring: checkpoint_mismatch', async () => {
    const { c, first } = await twoOpsIn();
    await refusedEverywhere(c, first, 'checkpoint_mismatch');
    await refusedEverywhere(c, await toWire(h.key, h.ring.entries[1]!), 'checkpoint_mismatch');
  });

  it('a null checkpoint once the ring has moved past genesis: checkpoint_mismatch', async () => {
    const { c } = await twoOpsIn();
    await refusedEverywhere(c, null, 'checkpoint_mismatch');
  });

  it('an authentic checkpoint of this module that is not in the ring: checkpoint_mismatch', async () => {
    const { c } = await twoOpsIn();
    await refusedEverywhere(c, await toWire(h.key, { ...h.ring.head, seq: 99n }), 'checkpoint_mismatch');
  });

  it('a checkpoint that fails its MAC: checkpoint_forged', async () => {
    const { c } = await twoOpsIn();
    const head = h.ring.headWire();
    await refusedEverywhere(c, { ...head, mac: head.mac.replace(/^./, (x) => (x === 'a' ? 'b' : 'a')) }, 'checkpoint_forged');
    await refusedEverywhere(c, await toWire(new SoftwareCheckpointKeys(randomBytes(32), 'M-UNIT'), h.ring.head), 'checkpoint_forged');
    await refusedEverywhere(c, { record: head.record, mac: 'zz' }, 'checkpoint_forged');
  });

  it('a wire of the wrong shape is refused with a VaultError, not an internal error', async () => {
    const { c } = await twoOpsIn();
    const mac = h.ring.headWire().mac;
    for (const bad of [undefined, {}, { record: 5, mac: 5 }, { record: 1234, mac }, { record: ['00'], mac }, 'text']) {
      await rejectsWith(h.dispatch('fund', { ...officerFund(c.pkg, '1') }, bad as never), 'checkpoint_forged');
    }
    expect(h.ring.head.seq).toBe(2n);
  });

  it("another module's authentic checkpoint: checkpoint_foreign", async () => {
    const { c } = await twoOpsIn();
    await refusedEverywhere(c, await toWire(h.key, { ...h.ring.head, moduleSerial: 'M-OTHER' }), 'checkpoint_foreign');
    await refusedEverywhere(c, await toWire(h.key, genesis('M-OTHER', T0)), 'checkpoint_foreign');
  });

  it('the head checkpoint: every op runs', async () => {
    const { c } = await twoOpsIn();
    for (const [op, args] of ops(c)) {
      const r = await h.call<WithCheckpoint<FundResult | AuditResult | CommandResult>>(op, args());
      expect(r.checkpoint).toEqual(h.ring.headWire());
      // The meter's ops hand back its next package (and, to the client, its registers and challenge).
      if (op === 'challenge' || op === 'command') expect(c.accept(r as CommandResult).error).toBeUndefined();
      else if (op !== 'provision') c.pkg = (r as FundResult | AuditResult).package;
    }
    expect(h.ring.head.seq).toBe(7n);
  });
});
