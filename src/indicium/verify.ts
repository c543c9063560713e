import { checkMeterCertificate, verifyItemSignature } from '../crypto/index.js';
import { ItemFormatError } from './bytes.js';
import { expiryOf } from './elements.js';
import { decodeItem, type DecodedItem, type ItemData } from './format.js';
import { rawSignatureToDer } from './signature.js';

/** A stable code for each reason an item is not valid, in the order of `reasons`. */
export type ReasonCode =
  | 'malformed_item'
  | 'certificate_invalid'
  | 'certificate_not_issued'
  | 'certificate_expired'
  | 'wrong_certificate'
  | 'certificate_revoked'
  | 'item_expired'
  | 'bad_signature'
  | 'test_item';

/** Why a test item is not valid: it is authentic, but it is not postage (or value of any kind). */
export const TEST_ITEM_REASON = 'test item: printed by a sandbox (test mode) meter; TEST — NOT POSTAGE, it carries no value';

export interface Verdict {
  readonly valid: boolean;
  readonly reasons: string[];
  /** One code per reason (`test_item`: a sandbox meter's item; valid is then false whatever else holds). */
  readonly codes: ReasonCode[];
  /** Whether the meter's signature over the item bytes checks (false when it could not be checked). */
  readonly signatureValid: boolean;
  /** The item carries the test flag in its signed bytes. */
  readonly testItem: boolean;
  readonly item: DecodedItem | null;
  readonly signedDataHex?: string;
  readonly signatureDerHex?: string;
}

/**
 * Offline verification: needs only the item, the meter certificate, the installation CA and the time
 * to judge validity and expiry at (and, optionally, the revoked certificate serials from the published
 * revocation list). The signature and certificate checks are src/crypto's.
 */
export function verifyItem(
  itemBytes: Uint8Array,
  meterCertPem: string,
  caCertPem: string,
  now: Date,
  revokedSerials: ReadonlySet<string> = new Set(),
): Verdict {
  let item: DecodedItem;
  try {
    item = decodeItem(itemBytes);
  } catch (e) {
    if (e instanceof ItemFormatError)
      return { valid: false, reasons: [`malformed item: ${e.message}`], codes: ['malformed_item'], signatureValid: false, testItem: false, item: null };
    throw e;
  }
  const reasons: string[] = [];
  const codes: ReasonCode[] = [];
  const add = (code: ReasonCode, reason: string) => {
    codes.push(code);
    reasons.push(reason);
  };
  let signatureValid = false;
  const cert = checkMeterCertificate(meterCertPem, caCertPem);
  if (!cert) add('certificate_invalid', 'the meter or CA certificate does not parse');
  else {
    const t = now.getTime();
    if (!cert.chainsToCa) add('certificate_not_issued', 'the meter certificate is not issued by the installation CA');
    else if (t < cert.validFromMs || t > cert.validToMs) add('certificate_expired', 'the meter or CA certificate is outside its validity period');
    if (cert.serialHex !== item.data.certSerialHex.replace(/^0+/, '')) add('wrong_certificate', "the item names another certificate than the meter's");
    if ([...revokedSerials].some((r) => r.toLowerCase().replace(/^0+/, '') === cert.serialHex))
      add('certificate_revoked', "the meter's certificate is revoked");
    const expiry = expiryOf(item.data);
    if (expiry && now.toISOString().slice(0, 10) > expiry) add('item_expired', `the ${item.data.kind} expired on ${expiry}`);
    signatureValid = verifyItemSignature(item.signedBytes, item.signature, cert.publicKey);
    if (!signatureValid) add('bad_signature', 'the signature does not verify');
  }
  // Checked last and whatever else holds: an authentic test item is still not postage.
  const testItem = item.data.test === true;
  if (testItem) add('test_item', TEST_ITEM_REASON);
  return {
    valid: reasons.length === 0,
    reasons,
    codes,
    signatureValid,
    testItem,
    item,
    signedDataHex: item.signedBytes.toString('hex'),
    signatureDerHex: rawSignatureToDer(item.signature).toString('hex'),
  };
}

/** The decoded data elements as JSON (money as strings of mills). */
export function itemJson(d: ItemData): Record<string, unknown> {
  const { itemSerial, arAfterMills, valueMills, ...rest } = d;
  return { ...rest, itemSerial: itemSerial.toString(), arAfterMills: arAfterMills.toString(), amountMills: valueMills.toString() };
}
