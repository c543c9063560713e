import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MeterEngine } from '../../../src/module/engine.js';
import { newDomainKeys } from '../../../src/module/keystore.js';
import { SoftwareModuleCrypto } from '../../../src/module/software-crypto.js';
import type { SealedRef } from '../../../src/module/messages.js';
import { makeEngine, registeredMeter, rejectsWith, T0, testKeystore, officerFund } from '../helpers/engine.js';

async function two() {
  const made = await makeEngine();
  const a = await registeredMeter(made.engine, T0);
  const b = await registeredMeter(made.engine, T0);
  await a.fund(10_000n);
  await b.fund(10_000n);
  return { ...made, a, b };
}

function flip(ref: SealedRef, at: number): SealedRef {
  const box = Buffer.from(ref.sealed, 'base64');
  box[at % box.length]! ^= 0x01;
  return { ...ref, sealed: box.toString('base64') };
}

describe('MeterEngine refuses tampered packages', () => {
  it('a flipped byte anywhere in the sealed package -> package_tampered, for every entry point', async () => {
    const { engine, a } = await two();
    // Byte 0 is the key version: flipped, it names a version the module does not hold.
    for (const at of [0, 1, 5, 12, 20, 27, 28, 29, 100, 400, -1]) {
      const bad = flip(a.pkg, at < 0 ? Buffer.from(a.pkg.sealed, 'base64').length - 1 : at);
      const code = at === 0 ? 'key_version_unknown' : 'package_tampered';
      await rejectsWith(engine.command({ ...a.build('balance'), pkg: bad }), code);
      await rejectsWith(() => engine.fund({ ...officerFund(bad, '1') }), code);
      await rejectsWith(() => engine.challenge({ pkg: bad, clientNonce: '00'.repeat(32) }), code);
      await rejectsWith(() => engine.audit({ pkg: bad }), code);
    }
  });

  it("a package presented under another meter's id -> package_tampered", async () => {
    const { engine, a, b } = await two();
    await rejectsWith(engine.command({ ...a.build('balance'), pkg: { ...a.pkg, meterId: b.meterId } }), 'package_tampered');
    await rejectsWith(() => engine.fund({ pkg: { ...b.pkg, meterId: a.meterId }, amountMills: '1' }), 'package_tampered');
  });

  it('a package presented under another version -> package_tampered', async () => {
    const { engine, a } = await two();
    const v = BigInt(a.pkg.version);
    for (const version of [v + 1n, v - 1n, 0n]) {
      await rejectsWith(engine.command({ ...a.build('balance'), pkg: { ...a.pkg, version: version.toString() } }), 'package_tampered');
    }
  });

  it("another meter's sealed bytes under this meter's id and version -> package_tampered", async () => {
    const { engine, a, b } = await two();
    const swapped: SealedRef = { meterId: a.pkg.meterId, version: a.pkg.version, sealed: b.pkg.sealed };
    await rejectsWith(engine.command({ ...a.build('balance'), pkg: swapped }), 'package_tampered');
  });

  it('an engine of another installation cannot open the package', async () => {
    const { a } = await two();
    const ks = await testKeystore();
    const foreign = new MeterEngine({
      crypto: new SoftwareModuleCrypto({ ...ks, domain: newDomainKeys(ks.domain.caPrivatePkcs8, ks.domain.caCertPem) }),
      now: () => T0,
      random: randomBytes,
      refundWindowDays: 30,
    });
    await rejectsWith(foreign.command(a.build('balance')), 'package_tampered');
  });

  it('a tampered package changes nothing: the genuine one still works', async () => {
    const { engine, a } = await two();
    await rejectsWith(engine.command({ ...a.build('balance'), pkg: flip(a.pkg, 50) }), 'package_tampered');
    expect((await a.send('balance')).response.status).toBe('ok');
  });
});
