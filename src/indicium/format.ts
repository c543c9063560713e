import { asciiText, check, dateToYmd, ymdToDate } from './bytes.js';
import { decodeElements, encodeElements, formatVersionOf, RATED_FORMAT_VERSION, type KindElements } from './elements.js';

export { ItemFormatError, dateToYmd } from './bytes.js';

// Item formats 1 and 2 (2: rated postage). docs/ITEM-FORMAT.md is the normative description; keep the two in step.
export const ITEM_MAGIC = Buffer.from('VM', 'ascii');
export const ITEM_FORMAT_VERSION = 1;
export { RATED_FORMAT_VERSION };
export const ALG_ECDSA_P256_SHA256 = 1;
/**
 * Test mode: the high bit of the format version byte marks an item a sandbox meter printed. It is
 * inside the signed bytes, so it cannot be removed without breaking the signature, and a verifier
 * that predates it refuses the version outright: a test item never verifies as value.
 */
export const TEST_ITEM_FLAG = 0x80;
export const SIGNATURE_BYTES = 64;
export const SOFTWARE_ID = 'VM000100';
const HEADER_BYTES = 2 + 1 + 1 + 1 + 16 + 16 + 8 + 8 + 8 + 4 + 8 + 2;
const MAX_BODY_BYTES = 512;
const U64_MAX = 2n ** 64n - 1n;

export const ITEM_KINDS = { postage: 1, ticket: 2, coupon: 3, voucher: 4, gift: 5 } as const;
export type ItemKind = keyof typeof ITEM_KINDS;

export interface ItemHeader {
  readonly kind: ItemKind;
  readonly certSerialHex: string;
  readonly meterId: string;
  readonly itemSerial: bigint;
  readonly arAfterMills: bigint;
  readonly valueMills: bigint;
  /** Date of mailing (postage) or issue, as YYYY-MM-DD, UTC. */
  readonly date: string;
  readonly softwareId: string;
  /** A test item (test mode): printed by a sandbox meter, never postage. Absent on a real item. */
  readonly test?: boolean;
}

/** Header and kind-specific elements: everything the meter signs. */
export type ItemData = ItemHeader & KindElements;

export interface DecodedItem {
  readonly data: ItemData;
  readonly signedBytes: Buffer;
  /** Raw r||s, 64 bytes. */
  readonly signature: Buffer;
}

function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  check(/^[0-9a-f]{32}$/.test(hex), 'meter id must be a UUID');
  return Buffer.from(hex, 'hex');
}

function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The bytes the meter signs: header and kind-specific elements, everything before the signature. */
export function encodeSignedBytes(d: ItemData): Buffer {
  check(Object.hasOwn(ITEM_KINDS, d.kind), `unknown item kind ${String(d.kind)}`);
  check(/^[0-9a-f]{32}$/.test(d.certSerialHex), 'certificate serial must be 16 bytes of hex');
  check(d.softwareId.length === 8 && /^[\x20-\x7e]+$/.test(d.softwareId), 'software id must be 8 printable ASCII characters');
  check(d.itemSerial >= 0n && d.arAfterMills >= 0n && d.valueMills > 0n, 'negative or zero field');
  check(d.itemSerial <= U64_MAX && d.arAfterMills <= U64_MAX && d.valueMills <= U64_MAX, 'field does not fit in 64 bits');
  const body = encodeElements(d);
  check(body.length <= MAX_BODY_BYTES, 'kind elements too long');
  const head = Buffer.alloc(HEADER_BYTES);
  let o = ITEM_MAGIC.copy(head, 0);
  o = head.writeUInt8(formatVersionOf(d) | (d.test === true ? TEST_ITEM_FLAG : 0), o);
  o = head.writeUInt8(ITEM_KINDS[d.kind], o);
  o = head.writeUInt8(ALG_ECDSA_P256_SHA256, o);
  o += Buffer.from(d.certSerialHex, 'hex').copy(head, o);
  o += uuidToBytes(d.meterId).copy(head, o);
  o = head.writeBigUInt64BE(d.itemSerial, o);
  o = head.writeBigUInt64BE(d.arAfterMills, o);
  o = head.writeBigUInt64BE(d.valueMills, o);
  o = head.writeUInt32BE(dateToYmd(d.date), o);
  o += head.write(d.softwareId, o, 'ascii');
  head.writeUInt16BE(body.length, o);
  return Buffer.concat([head, body]);
}

export function encodeItem(signedBytes: Buffer, signature: Buffer): Buffer {
  check(signature.length === SIGNATURE_BYTES, 'signature must be 64 bytes (r||s)');
  return Buffer.concat([signedBytes, signature]);
}

/**
 * Parse item bytes; throws ItemFormatError with the reason on anything malformed. Does not check the
 * signature. `canonical: false` skips re-encoding the fields to compare with the signed bytes: only
 * for reading facts out of items the server stored after checking them (staging), never to verify.
 */
export function decodeItem(bytes: Uint8Array, opts: { canonical: boolean } = { canonical: true }): DecodedItem {
  const b = Buffer.from(bytes);
  check(b.length >= HEADER_BYTES + SIGNATURE_BYTES, 'too short to be an item');
  check(b.subarray(0, 2).equals(ITEM_MAGIC), 'not a Vaultmeter item (bad magic)');
  const versionByte = b[2]!;
  const test = (versionByte & TEST_ITEM_FLAG) !== 0;
  const version = versionByte & ~TEST_ITEM_FLAG;
  check(version === ITEM_FORMAT_VERSION || version === RATED_FORMAT_VERSION, `unsupported item format version ${version}`);
  const kindCode = b[3]!;
  const kind = (Object.keys(ITEM_KINDS) as ItemKind[]).find((k) => ITEM_KINDS[k] === kindCode);
  check(kind !== undefined, `unsupported item kind ${kindCode}`);
  check(b[4] === ALG_ECDSA_P256_SHA256, `unsupported algorithm ${b[4]}`);
  let o = 5;
  const certSerialHex = b.subarray(o, (o += 16)).toString('hex');
  const meterId = bytesToUuid(b.subarray(o, (o += 16)));
  const itemSerial = b.readBigUInt64BE(o);
  const arAfterMills = b.readBigUInt64BE((o += 8));
  const valueMills = b.readBigUInt64BE((o += 8));
  const ymd = b.readUInt32BE((o += 8));
  const softwareId = asciiText(b.subarray((o += 4), (o += 8)), 'software id');
  const bodyLen = b.readUInt16BE(o);
  o += 2;
  check(b.length === o + bodyLen + SIGNATURE_BYTES, 'item length does not match its body length');
  const elements = decodeElements(kind, b.subarray(o, o + bodyLen), version);
  const signedBytes = b.subarray(0, o + bodyLen);
  check(valueMills > 0n, 'item value must be greater than zero');
  const date = ymdToDate(ymd);
  const data: ItemData = { certSerialHex, meterId, itemSerial, arAfterMills, valueMills, date, softwareId, ...(test ? { test: true } : {}), ...elements };
  // One encoding per item: the elements shown must be exactly the bytes that were signed.
  if (opts.canonical) check(encodeSignedBytes(data).equals(signedBytes), 'item is not in canonical form');
  return { data, signedBytes, signature: b.subarray(o + bodyLen) };
}
