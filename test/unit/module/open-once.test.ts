import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModuleCrypto } from '../../../src/crypto/module-crypto.js';
import type { BatchResult } from '../../../src/module/messages.js';
import { registeredMeter, T0, testCrypto, type TestClient, officerFund } from '../helpers/engine.js';
import { GuardHarness, printParams } from '../helpers/guard.js';

/** The software backend, counting the packages it opens and seals. */
class CountingCrypto {
  opens = 0;
  seals = 0;

  static async make(): Promise<{ crypto: ModuleCrypto; count: CountingCrypto }> {
    const inner = await testCrypto();
    const count = new CountingCrypto();
    const crypto = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'openPackage') return (sealed: Uint8Array, aad: Uint8Array) => (count.opens++, target.openPackage(sealed, aad));
        if (prop === 'sealPackage') return (plain: Uint8Array, aad: Uint8Array) => (count.seals++, target.sealPackage(plain, aad));
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return { crypto, count };
  }

  reset(): void {
    this.opens = 0;
    this.seals = 0;
  }
}

let h: GuardHarness;
let count: CountingCrypto;
let c: TestClient;
beforeEach(async () => {
  const made = await CountingCrypto.make();
  count = made.count;
  h = await GuardHarness.create(5, undefined, made.crypto);
  c = await registeredMeter(h.engine, T0);
  await c.fund(100_000n);
  count.reset();
});
afterEach(() => h.cleanup());

describe('each op opens its package exactly once', () => {
  it('print, balance, a refused print, challenge, fund and audit through the guard: one open and one seal each', async () => {
    const ops: [string, () => Promise<unknown>][] = [
      ['print', async () => c.accept(await h.call('command', c.build('print', printParams(730n))))],
      ['balance', async () => c.accept(await h.call('command', c.build('balance')))],
      ['refused print', async () => c.accept(await h.call('command', c.build('print', printParams(10_000_000n))))],
      ['challenge', async () => c.accept(await h.call('challenge', { pkg: c.pkg, clientNonce: '00'.repeat(32) }))],
      ['fund', async () => (c.pkg = (await h.call('fund', { ...officerFund(c.pkg, '100') })).package)],
      ['audit', async () => (c.pkg = (await h.call('audit', { pkg: c.pkg })).package)],
    ];
    for (const [name, run] of ops) {
      count.reset();
      await run();
      expect({ name, opens: count.opens, seals: count.seals }).toEqual({ name, opens: 1, seals: 1 });
    }
  });

  it('registration through the guard: one open per step (provision opens none)', async () => {
    count.reset();
    const p = await h.call('provision', { licensingZip: '20260' });
    expect(count.opens).toBe(0);
    await h.call('registerBegin', { pkg: p.package, clientNonce: '11'.repeat(32) });
    expect(count.opens).toBe(1);
  });

  it('a batch of n ops opens n packages', async () => {
    const d = await registeredMeter(h.engine, T0);
    await d.fund(1_000n);
    count.reset();
    const r = await h.call<BatchResult>('batch', {
      ops: [
        { op: 'fund', args: { ...officerFund(c.pkg, '100') } },
        { op: 'audit', args: { pkg: d.pkg } },
      ],
    });
    expect(r.results.map((x) => x.ok)).toEqual([true, true]);
    expect(count.opens).toBe(2);
  });
});
