import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeItem, encodeItem, encodeSignedBytes, ITEM_KINDS, rawSignatureToDer, type ItemData, type ItemKind } from '../../../src/indicium/index.js';
import { itemIdOf, verifyItemSignature } from '../../../src/crypto/index.js';

/** ItemData as JSON: money and serial as decimal strings (Omit per kind, so each kind keeps its elements). */
type JsonFields<D = ItemData> = D extends ItemData
  ? Omit<D, 'itemSerial' | 'arAfterMills' | 'valueMills'> & { itemSerial: string; arAfterMills: string; valueMills: string }
  : never;

interface Vector {
  name: string;
  fields: JsonFields;
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
  return {
    ...v.fields,
    itemSerial: BigInt(v.fields.itemSerial),
    arAfterMills: BigInt(v.fields.arAfterMills),
    valueMills: BigInt(v.fields.valueMills),
  } as ItemData;
}

/**
 * The kind elements read straight from the bytes by the layout in docs/ITEM-FORMAT.md, without the
 * project's decoder: u8-length text, u32 YYYYMMDD dates, u16 weight.
 */
function elementsByTheDoc(kind: ItemKind, body: Buffer, version = 1): Record<string, unknown> {
  let o = 0;
  const text = (fixed?: number) => {
    const n = fixed ?? body[o++]!;
    const s = body.subarray(o, o + n).toString('latin1');
    o += n;
    return s;
  };
  const date = () => {
    const ymd = body.readUInt32BE(o).toString().padStart(8, '0');
    o += 4;
    return `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6)}`;
  };
  let e: Record<string, unknown>;
  switch (kind) {
    case 'postage': {
      const originZip = text(5);
      const destination = text();
      const rateCategory = text();
      const weightTenthOz = body.readUInt16BE(o);
      o += 2;
      // Format 2 (rated postage): the rate table id and the zone follow the weight.
      const rated = version === 2 ? { rated: { rateTable: text(), zone: body[o++]! } } : {};
      e = { postage: { originZip, destination, rateCategory, weightTenthOz, ...rated } };
      break;
    }
    case 'ticket': {
      const event = text();
      const seat = text();
      const validFrom = date();
      e = { ticket: { event, seat, validFrom, validTo: date() } };
      break;
    }
    case 'coupon':
    case 'voucher': {
      const offer = text();
      e = { offer: { offer, expiry: date() } };
      break;
    }
    case 'gift':
      e = { gift: { expiry: date() } };
      break;
  }
  expect(o, 'nothing follows the last element').toBe(body.length);
  return e;
}

describe('docs/test-vectors/items-v1.json', () => {
  it('holds a matching P-256 key pair and at least two items', () => {
    const derived = createPublicKey(createPrivateKey(file.key.privateKeyPkcs8Pem)).export({ type: 'spki', format: 'pem' });
    expect(derived).toBe(file.key.publicKeySpkiPem);
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(file.items.length).toBeGreaterThanOrEqual(2);
  });

  it('has a vector for every item kind, each with a distinct name and item id', () => {
    for (const kind of Object.keys(ITEM_KINDS))
      expect(
        file.items.map((v) => v.fields.kind),
        kind,
      ).toContain(kind);
    expect(new Set(file.items.map((v) => v.name)).size).toBe(file.items.length);
    expect(new Set(file.items.map((v) => v.itemId)).size).toBe(file.items.length);
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

    it('carries its kind code at offset 3 and elements laid out as docs/ITEM-FORMAT.md describes', () => {
      const signed = Buffer.from(v.signedBytesHex, 'hex');
      expect(signed[3]).toBe(ITEM_KINDS[v.fields.kind]);
      expect(signed.readUInt16BE(73)).toBe(signed.length - 75);
      const { kind, certSerialHex, meterId, itemSerial, arAfterMills, valueMills, date, softwareId, ...elements } = v.fields;
      expect(elementsByTheDoc(kind, signed.subarray(75), signed[2])).toEqual(elements);
      expect(Object.keys(elements)).toHaveLength(1);
    });

    it('has the documented item id and digest', () => {
      const signed = Buffer.from(v.signedBytesHex, 'hex');
      expect(createHash('sha256').update(signed).digest('hex')).toBe(v.signedBytesSha256Hex);
      expect(itemIdOf(signed)).toBe(v.itemId);
      expect(v.itemId).toBe(v.signedBytesSha256Hex.slice(0, 32));
    });
  });
});
