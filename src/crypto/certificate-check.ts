import { createPublicKey, type KeyObject } from 'node:crypto';
import { MAX_CACHED_CERTIFICATES } from '../constants.js';
import { certificateChainsTo, parseCertificate } from './certificates.js';

/** What an item verifier needs to know about a meter certificate and the installation CA. */
export interface CheckedCertificate {
  readonly chainsToCa: boolean;
  /** The intersection of the meter's and the CA's validity periods. */
  readonly validFromMs: number;
  readonly validToMs: number;
  /** Lower case, leading zeros stripped. */
  readonly serialHex: string;
  readonly publicKey: KeyObject;
}

// Parsing a certificate and checking the CA's signature on it costs ten item signatures; a verifier
// sees the same few meters over and over, so the result is kept (bounded, oldest out first).
const checked = new Map<string, CheckedCertificate | null>();

/** The meter certificate checked against the CA; null when either does not parse. */
export function checkMeterCertificate(meterCertPem: string, caCertPem: string): CheckedCertificate | null {
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
