import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeItem,
  encodeItem,
  encodeSignedBytes,
  itemIdOf,
  rawSignatureToDer,
  verifyItemSignature,
  type ItemData,
} from '../../../src/indicium/index.js';

interface Vector {
  name: string;
  fields: Omit<ItemData, 'itemSerial' | 'arAfterMills' | 'valueMills'> & { itemSerial: string; arAfterMills: string; valueMills: string };
  signedBytesHex: string;
  signedBytesSha256Hex: string;
  itemId: string;
  signatureRawHex: string;
  signatureDerHex: string;
  itemHex: string;
  itemBase64: string;
}

const file = JSON.parse(readFileSync(new URL('../../../docs/test-vectors/items-v1.json', import.meta.url), 'utf8')) as {
  key: { privateKeyPkcs8Pem: string; publicKeySpkiPem: string };
  items: Vector[];
};
const publicKey = createPublicKey(file.key.publicKeySpkiPem);

function expected(v: Vector): ItemData {
  return { ...v.fields, itemSerial: BigInt(v.fields.itemSerial), arAfterMills: BigInt(v.fields.arAfterMills), valueMills: BigInt(v.fields.valueMills) };
}

describe('docs/test-vectors/items-v1.json', () => {
  it('holds a matching P-256 key pair and at least two items', () => {
    const derived = createPublicKey(createPrivateKey(file.key.privateKeyPkcs8Pem)).export({ type: 'spki', format: 'pem' });
    expect(derived).toBe(file.key.publicKeySpkiPem);
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(file.items.length).toBeGreaterThanOrEqual(2);
  });

  describe.each(file.items.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const item = Buffer.from(v.itemHex, 'hex');

    it('decodes to exactly the documented fields', () => {
      const d = decodeItem(item);
      expect(d.data).toEqual(expected(v));
      expect(d.signedBytes.toString('hex')).toBe(v.signedBytesHex);
      expect(d.signature.toString('hex')).toBe(v.signatureRawHex);
      expect(Buffer.from(v.itemBase64, 'base64')).toEqual(item);
    });

    it('re-encodes the decoded fields to the same signed bytes and item', () => {
      const d = decodeItem(item);
      expect(encodeSignedBytes(d.data).toString('hex')).toBe(v.signedBytesHex);
      expect(encodeSignedBytes(expected(v)).toString('hex')).toBe(v.signedBytesHex);
      expect(encodeItem(d.signedBytes, d.signature)).toEqual(item);
    });

    it('is signed bytes followed by the 64-byte raw signature', () => {
      expect(v.itemHex).toBe(v.signedBytesHex + v.signatureRawHex);
      expect(v.signatureRawHex).toHaveLength(128);
    });

    it('has a signature that verifies with the test key, as r||s and as DER', () => {
      const signed = Buffer.from(v.signedBytesHex, 'hex');
      const raw = Buffer.from(v.signatureRawHex, 'hex');
      expect(verifyItemSignature(signed, raw, publicKey)).toBe(true);
      expect(rawSignatureToDer(raw).toString('hex')).toBe(v.signatureDerHex);
      expect(verify('sha256', signed, publicKey, Buffer.from(v.signatureDerHex, 'hex'))).toBe(true);
      const changed = Buffer.from(signed);
      changed[changed.length - 1]! ^= 1;
      expect(verifyItemSignature(changed, raw, publicKey)).toBe(false);
    });

    it('has the documented item id and digest', () => {
      const signed = Buffer.from(v.signedBytesHex, 'hex');
      expect(createHash('sha256').update(signed).digest('hex')).toBe(v.signedBytesSha256Hex);
      expect(itemIdOf(signed)).toBe(v.itemId);
      expect(v.itemId).toBe(v.signedBytesSha256Hex.slice(0, 32));
    });
  });
});
