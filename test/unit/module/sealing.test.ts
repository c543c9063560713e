import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodePackage } from '../../../src/meter/index.js';
import { newDomainKeys, rotateDomainKey, type Keystore } from '../../../src/module/keystore.js';
import { openPackage, packageAad, sealPackage } from '../../../src/module/sealing.js';
import { SoftwareModuleCrypto } from '../../../src/module/software-crypto.js';
import { testKeystore } from '../helpers/engine.js';
import { codeOfAsync, makePackage, METER_ID } from '../helpers/package.js';

const ks = await testKeystore();
const crypto = new SoftwareModuleCrypto(ks);
const p = makePackage();
const open = (box: Buffer, meterId = METER_ID, version = p.version, c = crypto) => openPackage(c, meterId, version, box);
const codeOfOpen = (box: Buffer, meterId = METER_ID, version = p.version, c = crypto) => codeOfAsync(() => open(box, meterId, version, c));

describe('package sealing', () => {
  it('round-trips under the package key', async () => {
    expect(await open(await sealPackage(crypto, p))).toEqual(p);
  });

  it('never shows package contents in the sealed bytes', async () => {
    const box = await sealPackage(crypto, p);
    expect(box.includes(Buffer.from(METER_ID))).toBe(false);
    expect(box.includes(p.clientMacKey!)).toBe(false);
    expect(box.includes(Buffer.from(p.clientMacKey!.toString('base64')))).toBe(false);
  });

  it('uses a fresh IV each time', async () => {
    expect((await sealPackage(crypto, p)).equals(await sealPackage(crypto, p))).toBe(false);
  });

  it('starts with the key version byte (1 for a fresh installation)', async () => {
    expect((await sealPackage(crypto, p))[0]).toBe(1);
  });

  it('refuses every flipped byte after the version byte as package_tampered', async () => {
    const box = await sealPackage(crypto, p);
    for (let i = 1; i < box.length; i += 7) {
      const t = Buffer.from(box);
      t[i]! ^= 0x01;
      expect(await codeOfOpen(t)).toBe('package_tampered');
    }
  });

  it('refuses truncation, another key, another meter id, another version', async () => {
    const box = await sealPackage(crypto, p);
    const foreign = new SoftwareModuleCrypto({ ...ks, domain: newDomainKeys(ks.domain.caPrivatePkcs8, ks.domain.caCertPem) });
    expect(await codeOfOpen(box.subarray(0, 20))).toBe('package_tampered');
    expect(await codeOfOpen(Buffer.alloc(0))).toBe('package_tampered');
    expect(await codeOfOpen(box, METER_ID, p.version, foreign)).toBe('package_tampered');
    expect(await codeOfOpen(box, '1f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f')).toBe('package_tampered');
    expect(await codeOfOpen(box, METER_ID, p.version + 1n)).toBe('package_tampered');
    expect(await codeOfOpen(box, METER_ID, p.version - 1n)).toBe('package_tampered');
  });

  it('refuses an authentic box whose contents name another meter or version', async () => {
    // Only someone holding the package key could make this; the module still checks.
    const other = await crypto.sealPackage(encodePackage({ ...p, meterId: 'someone-else' }), packageAad(METER_ID, p.version));
    expect(await codeOfOpen(other)).toBe('package_tampered');
    const older = await crypto.sealPackage(encodePackage({ ...p, version: 3n }), packageAad(METER_ID, p.version));
    expect(await codeOfOpen(older)).toBe('package_tampered');
  });

  it('refuses an authentic box that does not decode as package_tampered', async () => {
    const junk = await crypto.sealPackage(Buffer.from('{"f":1'), packageAad(METER_ID, p.version));
    expect(await codeOfOpen(junk)).toBe('package_tampered');
  });

  it('passes a broken register invariant through as invariant_violation', async () => {
    const bad = Buffer.from(encodePackage(p).toString('utf8').replace('"ct":"10000"', '"ct":"10001"'));
    const box = await crypto.sealPackage(bad, packageAad(METER_ID, p.version));
    expect(await codeOfOpen(box)).toBe('invariant_violation');
  });

  it('binds meter id and version in canonical associated data', () => {
    expect(packageAad('a', 1n).equals(packageAad('a', 10n))).toBe(false);
    expect(packageAad('a1', 0n).equals(packageAad('a', 10n))).toBe(false);
  });
});

describe('package key rotation', () => {
  const rotated: Keystore = { ...ks, domain: rotateDomainKey(ks.domain, 'packageKeys') };
  const v2 = new SoftwareModuleCrypto(rotated);

  it('seals new packages under version 2, and version 1 packages still open', async () => {
    const old = await sealPackage(crypto, p);
    const fresh = await sealPackage(v2, p);
    expect(old[0]).toBe(1);
    expect(fresh[0]).toBe(2);
    expect(await open(old, METER_ID, p.version, v2)).toEqual(p);
    expect(await open(fresh, METER_ID, p.version, v2)).toEqual(p);
  });

  it('a module without version 2 refuses a version 2 package as key_version_unknown', async () => {
    expect(await codeOfOpen(await sealPackage(v2, p), METER_ID, p.version, crypto)).toBe('key_version_unknown');
  });

  it('refuses a version byte naming an unknown version (key_version_unknown) or another held version (package_tampered)', async () => {
    const fresh = await sealPackage(v2, p);
    for (const v of [0, 3, 255]) {
      const t = Buffer.from(fresh);
      t[0] = v;
      expect(await codeOfOpen(t, METER_ID, p.version, v2), `version ${v}`).toBe('key_version_unknown');
    }
    const asV1 = Buffer.from(fresh);
    asV1[0] = 1;
    expect(await codeOfOpen(asV1, METER_ID, p.version, v2)).toBe('package_tampered');
    const old = await sealPackage(crypto, p);
    old[0] = 2;
    expect(await codeOfOpen(old, METER_ID, p.version, v2)).toBe('package_tampered');
  });

  it('rotates again to version 3; the meter keys wrapped under version 1 still sign', async () => {
    const v3 = new SoftwareModuleCrypto({ ...rotated, domain: rotateDomainKey(rotated.domain, 'packageKeys', randomBytes(32)) });
    const key = await crypto.newMeterKey(METER_ID);
    expect(key.wrapped[0]).toBe(1);
    const sig = await v3.signItem({ meterId: METER_ID, wrapped: key.wrapped }, Buffer.from('item'));
    expect(sig).toHaveLength(64);
    expect((await v3.newMeterKey(METER_ID)).wrapped[0]).toBe(3);
    expect((await sealPackage(v3, p))[0]).toBe(3);
  });
});
