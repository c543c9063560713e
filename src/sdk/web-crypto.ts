import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { ClientCrypto, EcdhKey } from './crypto.js';

// ClientCrypto on WebCrypto: globalThis.crypto in browsers and in Node 20, no node: import.

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const P256_FIELD_BYTES = 32;

const bytes = (b: ArrayBuffer): Uint8Array => new Uint8Array(b);
/** A copy on a plain ArrayBuffer: what BufferSource accepts (a Buffer may sit on a shared pool). */
const own = (u: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(u);

export function webClientCrypto(crypto: Crypto = globalThis.crypto): ClientCrypto {
  const subtle = crypto.subtle;
  const x509Cert = (pem: string) => new x509.X509Certificate(pem);
  return {
    async randomBytes(length) {
      return crypto.getRandomValues(new Uint8Array(length));
    },
    async sha256(data) {
      return bytes(await subtle.digest('SHA-256', own(data)));
    },
    async hmacSha256(key, data) {
      const k = await subtle.importKey('raw', own(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      return bytes(await subtle.sign('HMAC', k, own(data)));
    },
    async hkdfSha256(ikm, salt, info, length) {
      const k = await subtle.importKey('raw', own(ikm), 'HKDF', false, ['deriveBits']);
      return bytes(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: own(info) }, k, length * 8));
    },
    aesGcmSeal: (key, plaintext, aad, iv) => aesGcmSeal(subtle, key, plaintext, aad, iv),
    aesGcmOpen: (key, box, aad) => aesGcmOpen(subtle, key, box, aad),
    async ecdhP256(): Promise<EcdhKey> {
      const pair = (await subtle.generateKey(ECDH, false, ['deriveBits'])) as CryptoKeyPair;
      const publicKey = bytes(await subtle.exportKey('raw', pair.publicKey));
      return {
        publicKey,
        async sharedSecret(peer) {
          const peerKey = await subtle.importKey('raw', own(peer), ECDH, false, []);
          return bytes(await subtle.deriveBits({ name: 'ECDH', public: peerKey }, pair.privateKey, P256_FIELD_BYTES * 8));
        },
      };
    },
    async isCertificate(pem) {
      try {
        x509Cert(pem);
        return true;
      } catch {
        return false;
      }
    },
    async certificateChainsTo(certPem, caPem, now) {
      try {
        const cert = x509Cert(certPem);
        const ca = x509Cert(caPem);
        if (!ca.getExtension(x509.BasicConstraintsExtension)?.ca || cert.issuer !== ca.subject) return false;
        if (!(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }, crypto))) return false;
        const t = now.getTime();
        return [cert, ca].every((c) => c.notBefore.getTime() <= t && t <= c.notAfter.getTime());
      } catch {
        return false;
      }
    },
    async verifySignedBy(certPem, data, signatureDer) {
      try {
        const spki = x509Cert(certPem).publicKey.rawData;
        const key = await subtle.importKey('spki', spki, ECDSA, false, ['verify']);
        const raw = derToP1363(signatureDer);
        return raw !== null && (await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, own(data)));
      } catch {
        return false;
      }
    },
  };
}

/** AES-256-GCM as the module's boxes lay it out: iv | tag | ciphertext (WebCrypto writes ciphertext | tag). */
async function aesGcmSeal(subtle: SubtleCrypto, key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array): Promise<Uint8Array> {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  if (iv.length !== IV_BYTES) throw new Error('AES-256-GCM needs a 12-byte iv');
  const k = await subtle.importKey('raw', own(key), 'AES-GCM', false, ['encrypt']);
  const out = bytes(await subtle.encrypt({ name: 'AES-GCM', iv: own(iv), additionalData: own(aad), tagLength: TAG_BYTES * 8 }, k, own(plaintext)));
  const body = out.subarray(0, out.length - TAG_BYTES);
  const box = new Uint8Array(IV_BYTES + TAG_BYTES + body.length);
  box.set(iv, 0);
  box.set(out.subarray(out.length - TAG_BYTES), IV_BYTES);
  box.set(body, IV_BYTES + TAG_BYTES);
  return box;
}

async function aesGcmOpen(subtle: SubtleCrypto, key: Uint8Array, box: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null> {
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key');
  if (box.length < IV_BYTES + TAG_BYTES) return null;
  const k = await subtle.importKey('raw', own(key), 'AES-GCM', false, ['decrypt']);
  // WebCrypto wants ciphertext | tag; the box is iv | tag | ciphertext.
  const joined = new Uint8Array(box.length - IV_BYTES);
  joined.set(box.subarray(IV_BYTES + TAG_BYTES), 0);
  joined.set(box.subarray(IV_BYTES, IV_BYTES + TAG_BYTES), box.length - IV_BYTES - TAG_BYTES);
  try {
    return bytes(await subtle.decrypt({ name: 'AES-GCM', iv: own(box.subarray(0, IV_BYTES)), additionalData: own(aad), tagLength: TAG_BYTES * 8 }, k, joined));
  } catch {
    return null;
  }
}

/** ECDSA signature: DER SEQUENCE { INTEGER r, INTEGER s } to WebCrypto's r | s (32 bytes each); null if malformed. */
export function derToP1363(der: Uint8Array): Uint8Array<ArrayBuffer> | null {
  let o = 0;
  const len = (): number | null => {
    const first = der[o++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    if (first !== 0x81) return null; // a P-256 signature is never longer than 255 bytes
    const l = der[o++];
    return l === undefined ? null : l;
  };
  if (der[o++] !== 0x30) return null;
  const total = len();
  if (total === null || o + total !== der.length) return null;
  const out: Uint8Array<ArrayBuffer> = new Uint8Array(2 * P256_FIELD_BYTES);
  for (const at of [0, P256_FIELD_BYTES]) {
    if (der[o++] !== 0x02) return null;
    const n = len();
    if (n === null || n === 0 || o + n > der.length) return null;
    let int = der.subarray(o, o + n);
    o += n;
    while (int.length > P256_FIELD_BYTES && int[0] === 0) int = int.subarray(1);
    if (int.length > P256_FIELD_BYTES) return null;
    out.set(int, at + P256_FIELD_BYTES - int.length);
  }
  return o === der.length ? out : null;
}
