import { createPublicKey, type KeyObject } from 'node:crypto';
import { MAX_CACHED_CERTIFICATES } from '../constants.js';
import { certificateChainsTo, parseCertificate } from '../crypto/index.js';
import { ItemFormatError } from './bytes.js';
import { expiryOf } from './elements.js';
import { decodeItem, type DecodedItem, type ItemData } from './format.js';
import { rawSignatureToDer, verifyItemSignature } from './signature.js';

export interface Verdict {
  readonly valid: boolean;
  readonly reasons: string[];
  readonly item: DecodedItem | null;
  readonly signedDataHex?: string;
  readonly signatureDerHex?: string;
}

/**
 * Offline verification: needs only the item, the meter certificate and the installation CA (and,
 * optionally, the revoked certificate serials from the published revocation list).
 */
export function verifyItem(
  itemBytes: Uint8Array,
  meterCertPem: string,
  caCertPem: string,
  now = new Date(),
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
  const cert = checkedCertificate(meterCertPem, caCertPem);
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

interface CheckedCertificate {
  readonly chainsToCa: boolean;
  /** The intersection of the meter's and the CA's validity periods. */
  readonly validFromMs: number;
  readonly validToMs: number;
  readonly serialHex: string;
  readonly publicKey: KeyObject;
}

// Parsing a certificate and checking the CA's signature on it costs ten item signatures; a verifier
// sees the same few meters over and over, so the result is kept (bounded, oldest out first).
const checked = new Map<string, CheckedCertificate | null>();

function checkedCertificate(meterCertPem: string, caCertPem: string): CheckedCertificate | null {
  const key = `${caCertPem}\n${meterCertPem}`;
  const hit = checked.get(key);
  if (hit !== undefined) return hit;
  const cert = parseCertificate(meterCertPem);
  const ca = parseCertificate(caCertPem);
  let value: CheckedCertificate | null = null;
  if (cert && ca) {
    const validFromMs = Math.max(Date.parse(cert.validFrom), Date.parse(ca.validFrom));
    const validToMs = Math.min(Date.parse(cert.validTo), Date.parse(ca.validTo));
    value = {
      chainsToCa: certificateChainsTo(cert, ca, new Date(validFromMs)),
      validFromMs,
      validToMs,
      serialHex: cert.serialNumber.toLowerCase().replace(/^0+/, ''),
      publicKey: createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })),
    };
  }
  if (checked.size >= MAX_CACHED_CERTIFICATES) checked.delete(checked.keys().next().value!);
  checked.set(key, value);
  return value;
}
