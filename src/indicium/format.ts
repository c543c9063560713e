import { createHash } from 'node:crypto';

// Item format v1. docs/ITEM-FORMAT.md is the normative description; keep the two in step.
export const ITEM_MAGIC = Buffer.from('VM', 'ascii');
export const ITEM_FORMAT_VERSION = 1;
export const ALG_ECDSA_P256_SHA256 = 1;
export const SIGNATURE_BYTES = 64;
export const SOFTWARE_ID = 'VM000100';
const HEADER_BYTES = 2 + 1 + 1 + 1 + 16 + 16 + 8 + 8 + 8 + 4 + 8 + 2;
const MAX_BODY_BYTES = 512;
const U64_MAX = 2n ** 64n - 1n;

export const ITEM_KINDS = { postage: 1, ticket: 2, coupon: 3, voucher: 4, gift: 5 } as const;
export type ItemKind = keyof typeof ITEM_KINDS;

export interface PostageElements {
  readonly originZip: string;
  /** ZIP (5), ZIP+4 (9) or delivery point (11 digits). */
  readonly destination: string;
  readonly rateCategory: string;
  /** Weight in tenths of an ounce. */
  readonly weightTenthOz: number;
}

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
}

export interface ItemData extends ItemHeader {
  readonly postage: PostageElements;
}

export interface DecodedItem {
  readonly data: ItemData;
  readonly signedBytes: Buffer;
  /** Raw r||s, 64 bytes. */
  readonly signature: Buffer;
}

const ZIP5 = /^\d{5}$/;
const DESTINATION = /^(\d{5}|\d{9}|\d{11})$/;
const RATE = /^[A-Z0-9-]{1,16}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class ItemFormatError extends Error {}

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new ItemFormatError(message);
}

export function validatePostage(p: PostageElements): void {
  check(ZIP5.test(p.originZip), 'origin ZIP must be 5 digits');
  check(DESTINATION.test(p.destination), 'destination must be a ZIP (5 digits), ZIP+4 (9) or delivery point (11)');
  check(RATE.test(p.rateCategory), 'rate category must be 1-16 of A-Z, 0-9 and -');
  check(Number.isInteger(p.weightTenthOz) && p.weightTenthOz > 0 && p.weightTenthOz <= 0xffff, 'weight out of range');
}

export function dateToYmd(date: string): number {
  const m = DATE.exec(date);
  check(m !== null, 'date must be YYYY-MM-DD');
  const ymd = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  const parsed = new Date(`${date}T00:00:00Z`);
  check(!Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date, 'date is not a calendar date');
  return ymd;
}

function ymdToDate(ymd: number): string {
  const s = ymd.toString().padStart(8, '0');
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
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

function encodePostage(p: PostageElements): Buffer {
  validatePostage(p);
  const weight = Buffer.alloc(2);
  weight.writeUInt16BE(p.weightTenthOz);
  return Buffer.concat([
    Buffer.from(p.originZip, 'ascii'),
    Buffer.from([p.destination.length]),
    Buffer.from(p.destination, 'ascii'),
    Buffer.from([p.rateCategory.length]),
    Buffer.from(p.rateCategory, 'ascii'),
    weight,
  ]);
}

/** Printable ASCII only. (Node's 'ascii' decoding drops the high bit, so 0xB2 would read as "2".) */
function asciiText(b: Buffer, what: string): string {
  check(b.every((c) => c >= 0x20 && c <= 0x7e), `${what} is not printable ASCII`);
  return b.toString('latin1');
}

function decodePostage(b: Buffer): PostageElements {
  let o = 0;
  const take = (n: number) => {
    check(o + n <= b.length, 'postage elements truncated');
    const s = b.subarray(o, o + n);
    o += n;
    return s;
  };
  const originZip = asciiText(take(5), 'origin ZIP');
  const destination = asciiText(take(take(1)[0]!), 'destination');
  const rateCategory = asciiText(take(take(1)[0]!), 'rate category');
  const weightTenthOz = take(2).readUInt16BE(0);
  check(o === b.length, 'trailing bytes after postage elements');
  const p = { originZip, destination, rateCategory, weightTenthOz };
  validatePostage(p);
  return p;
}

/** The bytes the meter signs: header and kind-specific elements, everything before the signature. */
export function encodeSignedBytes(d: ItemData): Buffer {
  check(d.kind === 'postage', 'only postage items exist in format v1 so far');
  check(/^[0-9a-f]{32}$/.test(d.certSerialHex), 'certificate serial must be 16 bytes of hex');
  check(d.softwareId.length === 8 && /^[\x20-\x7e]+$/.test(d.softwareId), 'software id must be 8 printable ASCII characters');
  check(d.itemSerial >= 0n && d.arAfterMills >= 0n && d.valueMills > 0n, 'negative or zero field');
  check(d.itemSerial <= U64_MAX && d.arAfterMills <= U64_MAX && d.valueMills <= U64_MAX, 'field does not fit in 64 bits');
  const body = encodePostage(d.postage);
  check(body.length <= MAX_BODY_BYTES, 'kind elements too long');
  const head = Buffer.alloc(HEADER_BYTES);
  let o = ITEM_MAGIC.copy(head, 0);
  o = head.writeUInt8(ITEM_FORMAT_VERSION, o);
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

/** Parse item bytes; throws ItemFormatError with the reason on anything malformed. Does not check the signature. */
export function decodeItem(bytes: Uint8Array): DecodedItem {
  const b = Buffer.from(bytes);
  check(b.length >= HEADER_BYTES + SIGNATURE_BYTES, 'too short to be an item');
  check(b.subarray(0, 2).equals(ITEM_MAGIC), 'not a Vaultmeter item (bad magic)');
  check(b[2] === ITEM_FORMAT_VERSION, `unsupported item format version ${b[2]}`);
  const kindCode = b[3]!;
  const kind = (Object.keys(ITEM_KINDS) as ItemKind[]).find((k) => ITEM_KINDS[k] === kindCode);
  check(kind === 'postage', `unsupported item kind ${kindCode}`);
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
  const postage = decodePostage(b.subarray(o, o + bodyLen));
  const signedBytes = b.subarray(0, o + bodyLen);
  check(valueMills > 0n, 'item value must be greater than zero');
  const date = ymdToDate(ymd);
  check(dateToYmd(date) === ymd, 'date is not a calendar date');
  const data: ItemData = { kind, certSerialHex, meterId, itemSerial, arAfterMills, valueMills, date, softwareId, postage };
  // One encoding per item: the elements shown must be exactly the bytes that were signed.
  check(encodeSignedBytes(data).equals(signedBytes), 'item is not in canonical form');
  return { data, signedBytes, signature: b.subarray(o + bodyLen) };
}

/** A stable public id for an item: the first 16 bytes of SHA-256 over its signed bytes, in hex. */
export function itemIdOf(signedBytes: Uint8Array): string {
  return createHash('sha256').update(signedBytes).digest().subarray(0, 16).toString('hex');
}
