import { checkMeterCertificate, verifyItemSignature } from '../crypto/index.js';
import { ItemFormatError } from './bytes.js';
import { expiryOf } from './elements.js';
import { decodeItem, type DecodedItem, type ItemData } from './format.js';
import { rawSignatureToDer } from './signature.js';

export interface Verdict {
  readonly valid: boolean;
  readonly reasons: string[];
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
    if (e instanceof ItemFormatError) return { valid: false, reasons: [`malformed item: ${e.message}`], item: null };
    throw e;
  }
  const reasons: string[] = [];
  const cert = checkMeterCertificate(meterCertPem, caCertPem);
  if (!cert) reasons.push('the meter or CA certificate does not parse');
  else {
    const t = now.getTime();
    if (!cert.chainsToCa) reasons.push('the meter certificate is not issued by the installation CA');
    else if (t < cert.validFromMs || t > cert.validToMs) reasons.push('the meter or CA certificate is outside its validity period');
    if (cert.serialHex !== item.data.certSerialHex.replace(/^0+/, '')) reasons.push("the item names another certificate than the meter's");
    if ([...revokedSerials].some((r) => r.toLowerCase().replace(/^0+/, '') === cert.serialHex)) reasons.push("the meter's certificate is revoked");
    const expiry = expiryOf(item.data);
    if (expiry && now.toISOString().slice(0, 10) > expiry) reasons.push(`the ${item.data.kind} expired on ${expiry}`);
    if (!verifyItemSignature(item.signedBytes, item.signature, cert.publicKey)) reasons.push('the signature does not verify');
  }
  return {
    valid: reasons.length === 0,
    reasons,
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
