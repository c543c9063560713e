import type { ModuleCrypto } from '../crypto/index.js';
import { fail } from '../errors.js';
import { decodePackage, encodePackage, type MeterPackage } from '../meter/index.js';
import { canonicalBytes } from '../protocol/index.js';

// A package is sealed with AES-256-GCM under the domain package key, in a versioned envelope
// (key version byte first, see src/crypto/envelope.ts). The associated data binds the meter id and
// the package version: a package copied to another meter's row, or one whose version column was
// changed, fails authentication.
const DOMAIN = 'vaultmeter/package/v1';

type PackageCrypto = Pick<ModuleCrypto, 'sealPackage' | 'openPackage'>;

export function packageAad(meterId: string, version: bigint): Buffer {
  return canonicalBytes(DOMAIN, { meterId, version: version.toString() });
}

export function sealPackage(crypto: PackageCrypto, p: MeterPackage): Promise<Buffer> {
  return crypto.sealPackage(encodePackage(p), packageAad(p.meterId, p.version));
}

export async function openPackage(crypto: PackageCrypto, meterId: string, version: bigint, box: Buffer): Promise<MeterPackage> {
  const body = await crypto.openPackage(box, packageAad(meterId, version));
  if (!body) fail('package_tampered', `the package of meter ${meterId} (version ${version}) failed authentication`);
  let p: MeterPackage;
  try {
    p = decodePackage(body);
  } catch (e) {
    // Authentic yet undecodable, or a broken register invariant inside: fail closed either way.
    if ((e as { code?: string }).code === 'invariant_violation') throw e;
    return fail('package_tampered', `the package of meter ${meterId} does not decode: ${(e as Error).message}`);
  }
  if (p.meterId !== meterId || p.version !== version) fail('package_tampered', 'the package names another meter or version');
  return p;
}
