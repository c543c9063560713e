import { randomBytes, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REGISTRATION_TTL_MS } from '../../../src/constants.js';
import { ephemeralKey, sealRegistration, verifyResponseMac } from '../../../src/module/protocol-crypto.js';
import { certificateChainsTo } from '../../../src/crypto/index.js';
import { makeEngine, registeredMeter, rejectsWith, T0, toResponse, officerFund } from '../helpers/engine.js';

describe('MeterEngine provisioning and registration', () => {
  it('provisions a meter with a certificate from the installation CA', async () => {
    const { engine } = await makeEngine();
    const p = await engine.provision({ licensingZip: '20260' });
    expect(p.meterId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(p.package).toMatchObject({ meterId: p.meterId, version: '1' });
    const cert = new X509Certificate(p.certificatePem);
    expect(cert.serialNumber.toLowerCase()).toBe(p.certSerialHex);
    expect(cert.subject).toContain(`meter ${p.meterId}`);
    expect(certificateChainsTo(cert, new X509Certificate(engine.info().caCertPem), new Date(T0))).toBe(true);
    // The package is sealed: neither the signing key nor anything readable is in it.
    expect(Buffer.from(p.package.sealed, 'base64').toString('latin1')).not.toContain(p.meterId);
  });

  it.each(['2026', '202600', 'abcde', ''])('refuses licensing ZIP %j', async (zip) => {
    const { engine } = await makeEngine();
    await rejectsWith(engine.provision({ licensingZip: zip }), 'invalid_request');
  });

  it('refuses commands and funding before registration', async () => {
    const { engine } = await makeEngine();
    const p = await engine.provision({ licensingZip: '20260' });
    await rejectsWith(() => engine.fund({ ...officerFund(p.package, '1000') }), 'meter_not_operational');
    await rejectsWith(() => engine.challenge({ pkg: p.package, clientNonce: '00'.repeat(32) }), 'meter_not_operational');
  });

  it('registers: proof verifies, envelope opens, response MAC verifies with the new client key', async () => {
    const { engine } = await makeEngine();
    const c = await registeredMeter(engine, T0);
    const r = c.last!;
    expect(r.response.op).toBe('register');
    expect(r.response.status).toBe('ok');
    expect(r.response).toMatchObject({ arMills: '0', drMills: '0', controlTotalMills: '0' });
    expect(r.package.version).toBe('3'); // provision 1, begin 2, complete 3
    // A response MAC'd with any other key does not verify.
    expect(verifyResponseMac(randomBytes(32), toResponse(r), Buffer.from(r.responseMac, 'hex'))).toBe(false);
  });

  it('refuses to register an operational meter again', async () => {
    const { engine } = await makeEngine();
    const c = await registeredMeter(engine, T0);
    await rejectsWith(() => engine.registerBegin({ pkg: c.pkg, clientNonce: randomBytes(32).toString('hex') }), 'meter_not_operational');
  });

  it('refuses registerComplete without registerBegin', async () => {
    const { engine } = await makeEngine();
    const p = await engine.provision({ licensingZip: '20260' });
    await rejectsWith(engine.registerComplete({ pkg: p.package, clientPublicKey: '04'.padEnd(130, '0'), sealedSecrets: '' }), 'meter_not_operational');
  });

  it('refuses a client nonce that is not 32 bytes of hex', async () => {
    const { engine } = await makeEngine();
    const p = await engine.provision({ licensingZip: '20260' });
    await rejectsWith(() => engine.registerBegin({ pkg: p.package, clientNonce: 'ab' }), 'invalid_request');
    await rejectsWith(() => engine.registerBegin({ pkg: p.package, clientNonce: 'zz'.repeat(32) }), 'invalid_request');
  });

  async function begin() {
    const made = await makeEngine();
    const p = await made.engine.provision({ licensingZip: '20260' });
    const nonce = randomBytes(32);
    const begun = await made.engine.registerBegin({ pkg: p.package, clientNonce: nonce.toString('hex') });
    const modulePublic = Buffer.from(begun.ephemeralPublicKey, 'hex');
    return { ...made, p, nonce, begun, modulePublic };
  }

  it('refuses an envelope sealed to another key, or tampered with, as bad_mac', async () => {
    const { engine, p, nonce, begun } = await begin();
    const wrong = sealRegistration(p.meterId, nonce, ephemeralKey(randomBytes).publicKey, { macKey: randomBytes(32), password: 'long enough' }, randomBytes);
    await rejectsWith(
      engine.registerComplete({ pkg: begun.package, clientPublicKey: wrong.clientPublicKey.toString('hex'), sealedSecrets: wrong.sealed.toString('base64') }),
      'bad_mac',
    );
  });

  it('refuses an envelope for another meter id, or with another nonce', async () => {
    const { engine, nonce, begun, modulePublic } = await begin();
    for (const env of [
      sealRegistration('00000000-0000-4000-8000-000000000000', nonce, modulePublic, { macKey: randomBytes(32), password: 'long enough' }, randomBytes),
      sealRegistration(begun.package.meterId, randomBytes(32), modulePublic, { macKey: randomBytes(32), password: 'long enough' }, randomBytes),
    ]) {
      await rejectsWith(
        engine.registerComplete({ pkg: begun.package, clientPublicKey: env.clientPublicKey.toString('hex'), sealedSecrets: env.sealed.toString('base64') }),
        'bad_mac',
      );
    }
  });

  it('refuses a password shorter than the minimum', async () => {
    const { engine, p, nonce, begun, modulePublic } = await begin();
    const env = sealRegistration(p.meterId, nonce, modulePublic, { macKey: randomBytes(32), password: 'short' }, randomBytes);
    await rejectsWith(
      engine.registerComplete({ pkg: begun.package, clientPublicKey: env.clientPublicKey.toString('hex'), sealedSecrets: env.sealed.toString('base64') }),
      'invalid_password',
    );
  });

  it('refuses a registration completed after its time to live', async () => {
    const { engine, clock, p, nonce, begun, modulePublic } = await begin();
    const env = sealRegistration(p.meterId, nonce, modulePublic, { macKey: randomBytes(32), password: 'long enough' }, randomBytes);
    clock.advance(REGISTRATION_TTL_MS + 1);
    await rejectsWith(
      engine.registerComplete({ pkg: begun.package, clientPublicKey: env.clientPublicKey.toString('hex'), sealedSecrets: env.sealed.toString('base64') }),
      'registration_expired',
    );
  });

  it('accepts a registration completed exactly at its time to live', async () => {
    const { engine, clock, p, nonce, begun, modulePublic } = await begin();
    const env = sealRegistration(p.meterId, nonce, modulePublic, { macKey: randomBytes(32), password: 'long enough' }, randomBytes);
    clock.advance(REGISTRATION_TTL_MS);
    const r = await engine.registerComplete({
      pkg: begun.package,
      clientPublicKey: env.clientPublicKey.toString('hex'),
      sealedSecrets: env.sealed.toString('base64'),
    });
    expect(r.response.status).toBe('ok');
  });

  it('keeps a begun registration for the client that began it until it expires', async () => {
    const { engine, clock, nonce, begun } = await begin();
    await rejectsWith(() => engine.registerBegin({ pkg: begun.package, clientNonce: randomBytes(32).toString('hex') }), 'registration_pending');
    // The same client may begin again (a retry), and anyone may once it has expired.
    const again = await engine.registerBegin({ pkg: begun.package, clientNonce: nonce.toString('hex') });
    clock.advance(REGISTRATION_TTL_MS + 1);
    expect((await engine.registerBegin({ pkg: again.package, clientNonce: randomBytes(32).toString('hex') })).ephemeralPublicKey).toMatch(/^04/);
  });
});
