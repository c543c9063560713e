import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal } from '../../../src/crypto/aead.js';
import { encodePackage } from '../../../src/meter/index.js';
import { openPackage, packageAad, sealPackage } from '../../../src/module/sealing.js';
import { codeOf, makePackage, METER_ID } from '../helpers/package.js';

const key = randomBytes(32);
const p = makePackage();

describe('package sealing', () => {
  it('round-trips under the package key', () => {
    expect(openPackage(key, METER_ID, p.version, sealPackage(key, p))).toEqual(p);
  });

  it('never shows package contents in the sealed bytes', () => {
    const box = sealPackage(key, p);
    expect(box.includes(Buffer.from(METER_ID))).toBe(false);
    expect(box.includes(p.clientMacKey!)).toBe(false);
    expect(box.includes(Buffer.from(p.clientMacKey!.toString('base64')))).toBe(false);
  });

  it('uses a fresh IV each time', () => {
    expect(sealPackage(key, p).equals(sealPackage(key, p))).toBe(false);
  });

  it('refuses every flipped byte as package_tampered', () => {
    const box = sealPackage(key, p);
    for (let i = 0; i < box.length; i += 7) {
      const t = Buffer.from(box);
      t[i]! ^= 0x01;
      expect(codeOf(() => openPackage(key, METER_ID, p.version, t))).toBe('package_tampered');
    }
  });

  it('refuses truncation, another key, another meter id, another version', () => {
    const box = sealPackage(key, p);
    expect(codeOf(() => openPackage(key, METER_ID, p.version, box.subarray(0, 20)))).toBe('package_tampered');
    expect(codeOf(() => openPackage(key, METER_ID, p.version, Buffer.alloc(0)))).toBe('package_tampered');
    expect(codeOf(() => openPackage(randomBytes(32), METER_ID, p.version, box))).toBe('package_tampered');
    expect(codeOf(() => openPackage(key, '1f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f', p.version, box))).toBe('package_tampered');
    expect(codeOf(() => openPackage(key, METER_ID, p.version + 1n, box))).toBe('package_tampered');
    expect(codeOf(() => openPackage(key, METER_ID, p.version - 1n, box))).toBe('package_tampered');
  });

  it('refuses an authentic box whose contents name another meter or version', () => {
    // Only someone holding the package key could make this; the module still checks.
    const other = seal(key, encodePackage({ ...p, meterId: 'someone-else' }), packageAad(METER_ID, p.version));
    expect(codeOf(() => openPackage(key, METER_ID, p.version, other))).toBe('package_tampered');
    const older = seal(key, encodePackage({ ...p, version: 3n }), packageAad(METER_ID, p.version));
    expect(codeOf(() => openPackage(key, METER_ID, p.version, older))).toBe('package_tampered');
  });

  it('refuses an authentic box that does not decode as package_tampered', () => {
    const junk = seal(key, Buffer.from('{"f":1'), packageAad(METER_ID, p.version));
    expect(codeOf(() => openPackage(key, METER_ID, p.version, junk))).toBe('package_tampered');
  });

  it('passes a broken register invariant through as invariant_violation', () => {
    const bad = Buffer.from(encodePackage(p).toString('utf8').replace('"ct":"10000"', '"ct":"10001"'));
    const box = seal(key, bad, packageAad(METER_ID, p.version));
    expect(codeOf(() => openPackage(key, METER_ID, p.version, box))).toBe('invariant_violation');
  });

  it('binds meter id and version in canonical associated data', () => {
    expect(packageAad('a', 1n).equals(packageAad('a', 10n))).toBe(false);
    expect(packageAad('a1', 0n).equals(packageAad('a', 10n))).toBe(false);
  });
});
