import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYSTORE_SCRYPT } from '../../../src/constants.js';
import { KeystoreError, readKeystore, rotateDomainKey, writeKeystore, type Keystore } from '../../../src/module/keystore.js';
import { testKeystore } from '../helpers/engine.js';

let dir: string;
let ks: Keystore;
let path: string;
const PASSPHRASE = 'module passphrase for tests';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-keystore-'));
  ks = await testKeystore();
  path = join(dir, 'sub', 'module.keystore');
  await writeKeystore(path, ks, PASSPHRASE);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('keystore', () => {
  it('round-trips every key', async () => {
    expect(await readKeystore(path, PASSPHRASE)).toEqual(ks);
  });

  it('keeps, sealed, whether the installation prices postage', async () => {
    const ratedPath = join(dir, 'rated.keystore');
    await writeKeystore(ratedPath, { ...ks, domain: { ...ks.domain, ratedPostage: true } }, PASSPHRASE);
    expect((await readKeystore(ratedPath, PASSPHRASE)).domain.ratedPostage).toBe(true);
    expect((await readKeystore(path, PASSPHRASE)).domain.ratedPostage).toBe(false);
  });

  it('is written with mode 0600 and no secret in clear', async () => {
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    for (const k of [...ks.domain.packageKeys.keys.values(), ...ks.domain.logKeys.keys.values(), ks.domain.checkpointKey])
      expect(text).not.toContain(k.toString('base64'));
    expect(text).not.toContain(ks.identity.privatePkcs8.toString('base64'));
    const file = JSON.parse(text);
    expect(file).toMatchObject({ format: 'vaultmeter-keystore/2', moduleSerial: ks.identity.serial, kdf: { alg: 'scrypt', N: KEYSTORE_SCRYPT.N } });
  });

  it('refuses a wrong passphrase with KeystoreError', async () => {
    await expect(readKeystore(path, 'wrong passphrase')).rejects.toBeInstanceOf(KeystoreError);
  });

  it('refuses a tampered sealed body or a changed module serial', async () => {
    const file = JSON.parse(await readFile(path, 'utf8'));
    const sealed = Buffer.from(file.sealed, 'base64');
    sealed[sealed.length - 1]! ^= 1;
    await writeFile(join(dir, 'tampered'), JSON.stringify({ ...file, sealed: sealed.toString('base64') }));
    await expect(readKeystore(join(dir, 'tampered'), PASSPHRASE)).rejects.toBeInstanceOf(KeystoreError);
    await writeFile(join(dir, 'renamed'), JSON.stringify({ ...file, moduleSerial: 'M-OTHER' }));
    await expect(readKeystore(join(dir, 'renamed'), PASSPHRASE)).rejects.toBeInstanceOf(KeystoreError);
  });

  it('refuses a missing file, non-JSON and another format with KeystoreError', async () => {
    await expect(readKeystore(join(dir, 'absent'), PASSPHRASE)).rejects.toBeInstanceOf(KeystoreError);
    await writeFile(join(dir, 'junk'), 'not json');
    await expect(readKeystore(join(dir, 'junk'), PASSPHRASE)).rejects.toBeInstanceOf(KeystoreError);
    await writeFile(join(dir, 'other'), JSON.stringify({ format: 'something/1' }));
    await expect(readKeystore(join(dir, 'other'), PASSPHRASE)).rejects.toBeInstanceOf(KeystoreError);
  });

  it('round-trips several key versions, the current one named', async () => {
    const rotated: Keystore = { ...ks, domain: rotateDomainKey(rotateDomainKey(ks.domain, 'logKeys'), 'packageKeys') };
    const at = join(dir, 'rotated');
    await writeKeystore(at, rotated, PASSPHRASE);
    const back = await readKeystore(at, PASSPHRASE);
    expect(back).toEqual(rotated);
    expect(back.domain.packageKeys.current).toBe(2);
    expect([...back.domain.logKeys.keys.keys()]).toEqual([1, 2]);
    expect(back.domain.logKeys.keys.get(1)).toEqual(ks.domain.logKeys.keys.get(1));
  });

  it('uses a fresh salt on every write', async () => {
    const second = join(dir, 'second');
    await writeKeystore(second, ks, PASSPHRASE);
    const a = JSON.parse(await readFile(path, 'utf8'));
    const b = JSON.parse(await readFile(second, 'utf8'));
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(Buffer.from(a.kdf.salt, 'base64')).toHaveLength(16);
  });
});
