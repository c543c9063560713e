import { createECDH, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { proofBytes, type ProofFields } from '../../../src/protocol/index.js';
import { ephemeralKey, openPassword, openRegistration, sealPassword, sealRegistration } from '../../../src/module/protocol-crypto.js';

const METER = '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f';
const OTHER_METER = '1f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f';
const secrets = { macKey: Buffer.alloc(32, 0x42), password: 'correct horse battery' };

function setup() {
  const nonce = randomBytes(32);
  const module = ephemeralKey(randomBytes);
  const envelope = sealRegistration(METER, nonce, module.publicKey, secrets, randomBytes);
  return { nonce, module, envelope };
}

describe('ephemeralKey', () => {
  it('derives a P-256 key pair from the random source', () => {
    const k = ephemeralKey(() => Buffer.alloc(32, 5));
    expect(k.publicKey).toHaveLength(65);
    expect(k.publicKey[0]).toBe(0x04);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.alloc(32, 5));
    expect(k.publicKey).toEqual(ecdh.getPublicKey());
  });
});

describe('registration envelope', () => {
  it('opens with the module key, nonce and meter id', () => {
    const { nonce, module, envelope } = setup();
    expect(openRegistration(METER, nonce, module.privateKey, envelope)).toEqual(secrets);
  });

  it('keeps the secrets out of the wire bytes', () => {
    const { envelope } = setup();
    expect(envelope.sealed.includes(secrets.macKey)).toBe(false);
    expect(envelope.sealed.includes(Buffer.from(secrets.password))).toBe(false);
  });

  it('does not open with another module key', () => {
    const { nonce, envelope } = setup();
    expect(openRegistration(METER, nonce, ephemeralKey(randomBytes).privateKey, envelope)).toBeNull();
  });

  it('does not open for another meter id', () => {
    const { nonce, module, envelope } = setup();
    expect(openRegistration(OTHER_METER, nonce, module.privateKey, envelope)).toBeNull();
  });

  it('does not open with another client nonce', () => {
    const { module, envelope } = setup();
    expect(openRegistration(METER, randomBytes(32), module.privateKey, envelope)).toBeNull();
  });

  it('does not open when any byte of the sealed box is changed', () => {
    const { nonce, module, envelope } = setup();
    for (let i = 0; i < envelope.sealed.length; i++) {
      const sealed = Buffer.from(envelope.sealed);
      sealed[i]! ^= 0x01;
      expect(openRegistration(METER, nonce, module.privateKey, { ...envelope, sealed })).toBeNull();
    }
    expect(openRegistration(METER, nonce, module.privateKey, { ...envelope, sealed: envelope.sealed.subarray(0, 27) })).toBeNull();
  });

  it('does not open with a substituted client public key', () => {
    const { nonce, module, envelope } = setup();
    const other = ephemeralKey(randomBytes).publicKey;
    expect(openRegistration(METER, nonce, module.privateKey, { ...envelope, clientPublicKey: other })).toBeNull();
  });

  it('returns null, not an exception, for a point that is not on the curve', () => {
    const { nonce, module, envelope } = setup();
    const bad = Buffer.from(envelope.clientPublicKey);
    bad[64]! ^= 0x01;
    expect(openRegistration(METER, nonce, module.privateKey, { ...envelope, clientPublicKey: bad })).toBeNull();
    expect(openRegistration(METER, nonce, module.privateKey, { ...envelope, clientPublicKey: Buffer.alloc(3) })).toBeNull();
  });

  it('refuses a well-sealed body whose MAC key is not 32 bytes', () => {
    const nonce = randomBytes(32);
    const module = ephemeralKey(randomBytes);
    const envelope = sealRegistration(METER, nonce, module.publicKey, { macKey: Buffer.alloc(16), password: 'p' }, randomBytes);
    expect(openRegistration(METER, nonce, module.privateKey, envelope)).toBeNull();
  });
});

describe('sealed passwords', () => {
  const macKey = Buffer.alloc(32, 0x42);
  const challenge = Buffer.alloc(32, 0x17);

  it('round-trips, including non-ASCII passwords', () => {
    for (const pw of ['hunter22', 'pässwörd ✓ 密码', '']) {
      expect(openPassword(macKey, challenge, METER, sealPassword(macKey, challenge, METER, pw, randomBytes))).toBe(pw);
    }
  });

  it('is bound to the MAC key, the challenge and the meter', () => {
    const sealed = sealPassword(macKey, challenge, METER, 'hunter22', randomBytes);
    expect(openPassword(Buffer.alloc(32, 0x43), challenge, METER, sealed)).toBeNull();
    expect(openPassword(macKey, Buffer.alloc(32, 0x18), METER, sealed)).toBeNull();
    expect(openPassword(macKey, challenge, OTHER_METER, sealed)).toBeNull();
  });

  it('fails on any flipped byte', () => {
    const sealed = sealPassword(macKey, challenge, METER, 'hunter22', randomBytes);
    for (let i = 0; i < sealed.length; i++) {
      const t = Buffer.from(sealed);
      t[i]! ^= 0x80;
      expect(openPassword(macKey, challenge, METER, t)).toBeNull();
    }
  });

  it('uses a fresh IV each time', () => {
    const a = sealPassword(macKey, challenge, METER, 'hunter22', randomBytes);
    const b = sealPassword(macKey, challenge, METER, 'hunter22', randomBytes);
    expect(a.equals(b)).toBe(false);
  });
});

describe('registration proof', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const fields: ProofFields = {
    meterId: METER,
    clientNonce: Buffer.alloc(32, 1),
    ephemeralPublicKey: ephemeralKey(randomBytes).publicKey,
    moduleSerial: 'M1',
    meterCertSerialHex: '1a2b3c4d5e6f708192a3b4c5d6e7f801',
  };

  it('is the canonical bytes under the proof domain', () => {
    expect(proofBytes(fields).toString('latin1')).toContain('vaultmeter/registration-proof/v1');
    expect(proofBytes(fields).equals(proofBytes({ ...fields }))).toBe(true);
  });

  it('differs when any field changes', () => {
    const base = proofBytes(fields);
    const variants: ProofFields[] = [
      { ...fields, meterId: OTHER_METER },
      { ...fields, clientNonce: Buffer.alloc(32, 2) },
      { ...fields, ephemeralPublicKey: ephemeralKey(randomBytes).publicKey },
      { ...fields, moduleSerial: 'M2' },
      { ...fields, meterCertSerialHex: '2a2b3c4d5e6f708192a3b4c5d6e7f801' },
    ];
    for (const v of variants) expect(proofBytes(v).equals(base)).toBe(false);
  });

  it('a DER signature over the proof bytes verifies with node crypto', () => {
    const sig = sign('sha256', proofBytes(fields), privateKey);
    expect(verify('sha256', proofBytes(fields), publicKey, sig)).toBe(true);
    expect(verify('sha256', proofBytes({ ...fields, moduleSerial: 'M2' }), publicKey, sig)).toBe(false);
  });
});
