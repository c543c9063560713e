import { createPublicKey } from 'node:crypto';
import { decodeItem, ItemFormatError, rawSignatureToDer, verifyItemSignature, type DecodedItem } from '../indicium/index.js';
import { certificateChainsTo, parseCertificate } from '../protocol/index.js';

export interface Verdict {
  readonly valid: boolean;
  readonly reasons: string[];
  readonly item: DecodedItem | null;
  readonly signedDataHex?: string;
  readonly signatureDerHex?: string;
}

/** Offline verification: needs only the item, the meter certificate and the installation CA. */
export function verifyItem(itemBytes: Uint8Array, meterCertPem: string, caCertPem: string, now = new Date()): Verdict {
  let item: DecodedItem;
  try {
    item = decodeItem(itemBytes);
  } catch (e) {
    if (e instanceof ItemFormatError) return { valid: false, reasons: [`malformed item: ${e.message}`], item: null };
    throw e;
  }
  const reasons: string[] = [];
  const cert = parseCertificate(meterCertPem);
  const ca = parseCertificate(caCertPem);
  if (!cert || !ca) reasons.push('the meter or CA certificate does not parse');
  else {
    if (!certificateChainsTo(cert, ca, now)) reasons.push('the meter certificate is not valid under the installation CA');
    if (cert.serialNumber.toLowerCase().replace(/^0+/, '') !== item.data.certSerialHex.replace(/^0+/, '')) {
      reasons.push("the item names another certificate than the meter's");
    }
    if (!verifyItemSignature(item.signedBytes, item.signature, createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })))) {
      reasons.push('the signature does not verify');
    }
  }
  return {
    valid: reasons.length === 0,
    reasons,
    item,
    signedDataHex: item.signedBytes.toString('hex'),
    signatureDerHex: rawSignatureToDer(item.signature).toString('hex'),
  };
}
