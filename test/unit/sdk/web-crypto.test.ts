import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateChainsTo, hkdf, seal } from '../../../src/crypto/index.js';
import { createAuthority, issueCertificate, newCertSerialHex, type Authority } from '../../../src/module/certificates.js';
import * as node from '../../../src/module/protocol-crypto.js';
import { proofBytes, type CommandRequest, type CommandResponse, type ProofFields } from '../../../src/protocol/index.js';
import * as sdk from '../../../src/sdk/index.js';

// The SDK's WebCrypto side against the module's node:crypto side: same bytes, each accepts the other's.

const crypto = sdk.webClientCrypto();
const METER = '0f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f';
const key = randomBytes(32);

const request = (params: Record<string, string>): CommandRequest => ({
  op: 'print',
  meterId: METER,
  challenge: randomBytes(32),
  arMills: 1234n,
  drMills: 98_766n,
  params,
});

const response: CommandResponse = {
  op: 'print',
  meterId: METER,
  requestMac: randomBytes(32),
  status: 'ok',
  arMills: 2000n,
  drMills: 98_000n,
  controlTotalMills: 100_000n,
  nextChallenge: randomBytes(32),
  result: { itemId: 'abc', itemSha256: 'f'.repeat(64) },
};

describe('WebCrypto MACs', () => {
  it('gives the module the request MAC it computes itself, for any parameters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 }), async (params) => {
        const r = request(params);
        const mac = await sdk.macRequest(crypto, key, r);
        expect(mac.equals(node.macRequest(key, r))).toBe(true);
        expect(node.verifyRequestMac(key, r, mac)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('accepts the module response MAC and refuses any changed field or key', async () => {
    const mac = node.macResponse(key, response);
    expect(await sdk.verifyResponseMac(crypto, key, response, mac)).toBe(true);
    expect(await sdk.verifyResponseMac(crypto, key, { ...response, drMills: 98_001n }, mac)).toBe(false);
    expect(await sdk.verifyResponseMac(crypto, randomBytes(32), response, mac)).toBe(false);
    expect(await sdk.verifyResponseMac(crypto, key, { ...response, status: '\ud800' }, mac)).toBe(false);
  });
});

describe('WebCrypto seals', () => {
  it('seals a registration envelope the module opens', async () => {
    const nonce = randomBytes(32);
    const moduleKey = node.ephemeralKey(randomBytes);
    const secrets = { macKey: randomBytes(32), password: 'correct horse battery é' };
    const envelope = await sdk.sealRegistration(crypto, METER, nonce, moduleKey.publicKey, secrets);
    expect(envelope.clientPublicKey).toHaveLength(65);
    expect(node.openRegistration(METER, nonce, moduleKey.privateKey, envelope)).toEqual(secrets);
    expect(node.openRegistration('1f8b6c52-3f5e-4b8a-9d3e-6a1c2b3d4e5f', nonce, moduleKey.privateKey, envelope)).toBeNull();
    expect(node.openRegistration(METER, randomBytes(32), moduleKey.privateKey, envelope)).toBeNull();
  });

  it('seals a password the module opens, under this challenge only', async () => {
    const challenge = randomBytes(32);
    const sealed = await sdk.sealPassword(crypto, key, challenge, METER, 'pässword');
    expect(node.openPassword(key, challenge, METER, sealed)).toBe('pässword');
    expect(node.openPassword(key, randomBytes(32), METER, sealed)).toBeNull();
  });

  it('has the module layout for AES-GCM and the same HKDF', async () => {
    const k = randomBytes(32);
    const iv = randomBytes(12);
    const plain = randomBytes(100);
    const aad = randomBytes(7);
    expect(Buffer.from(await crypto.aesGcmSeal(k, plain, aad, iv)).equals(seal(k, plain, aad, iv))).toBe(true);
    const salt = randomBytes(32);
    expect(Buffer.from(await crypto.hkdfSha256(k, salt, new TextEncoder().encode('info'), 32)).equals(hkdf(k, salt, 'info'))).toBe(true);
  });
});

describe('WebCrypto certificates and proofs', () => {
  const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
  const DAY = 86_400_000;
  let ca: Authority;
  let otherCa: Authority;
  let modulePem: string;
  let moduleKey: ReturnType<typeof generateKeyPairSync>['privateKey'];

  beforeAll(async () => {
    ca = await createAuthority('Unit', new Date(T0));
    otherCa = await createAuthority('Other', new Date(T0));
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    moduleKey = keys.privateKey;
    modulePem = await issueCertificate(ca, {
      subject: 'CN=module M1, O=Vaultmeter',
      publicSpki: keys.publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(T0),
      notAfter: new Date(T0 + 30 * DAY),
    });
  });

  it('agrees with the node check on the chain, at every boundary', async () => {
    const cases: [string, string, number][] = [
      [modulePem, ca.certPem, T0 + DAY],
      [modulePem, ca.certPem, T0 - 1000],
      [modulePem, ca.certPem, T0 + 31 * DAY],
      [modulePem, otherCa.certPem, T0 + DAY],
      [modulePem, modulePem, T0 + DAY],
    ];
    for (const [cert, issuer, t] of cases) {
      const expected = certificateChainsTo(new X509Certificate(cert), new X509Certificate(issuer), new Date(t));
      expect(await crypto.certificateChainsTo(cert, issuer, new Date(t))).toBe(expected);
    }
    expect(await crypto.certificateChainsTo(modulePem, ca.certPem, new Date(T0 + DAY))).toBe(true);
    expect(await crypto.isCertificate('not a certificate')).toBe(false);
    expect(await crypto.certificateChainsTo('not a certificate', ca.certPem, new Date(T0 + DAY))).toBe(false);
  });

  it('verifies the module proof (DER signatures of every length) and refuses another', async () => {
    for (let i = 0; i < 64; i++) {
      const f: ProofFields = {
        meterId: METER,
        clientNonce: randomBytes(32),
        ephemeralPublicKey: randomBytes(65),
        moduleSerial: 'M1',
        meterCertSerialHex: 'ab',
      };
      const signature = sign('sha256', proofBytes(f), moduleKey);
      expect(await sdk.verifyProof(crypto, modulePem, f, signature)).toBe(true);
      expect(await sdk.verifyProof(crypto, modulePem, { ...f, moduleSerial: 'M2' }, signature)).toBe(false);
    }
    expect(sdk.derToP1363(Buffer.from('3000', 'hex'))).toBeNull();
  });
});
