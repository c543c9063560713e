import { X509Certificate } from 'node:crypto';

/** Parse a PEM certificate; null when it is not one. */
export function parseCertificate(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/**
 * Is `cert` issued by `ca`, signed by its key and valid at `now`? Node's X509Certificate does no path
 * validation by itself, so each step is checked here.
 */
export function certificateChainsTo(cert: X509Certificate, ca: X509Certificate, now: Date): boolean {
  if (!ca.ca || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
  const t = now.getTime();
  return Date.parse(cert.validFrom) <= t && t <= Date.parse(cert.validTo) && Date.parse(ca.validFrom) <= t && t <= Date.parse(ca.validTo);
}
