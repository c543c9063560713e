import { createHash, createPublicKey } from 'node:crypto';
import { MAX_MODULE_OFFICER_NONCES, OFFICER_CERT_LIFETIME_DAYS } from '../constants.js';
import type { ModuleCrypto } from '../crypto/index.js';
import { fail } from '../errors.js';
import { OFFICER_ROLES, officerSubject, type OfficerRole } from '../protocol/index.js';
import { newCertSerialHex } from './certificates.js';
import type * as M from './messages.js';
import { checkOfficerAuthorization, SpentStatements, type VerifiedOfficer } from './officer-check.js';

// Officer acts without a meter package: certifying an officer's key and reinstating a module. Each
// takes two security officers' signatures, checked here; the module's memory refuses a replay.

const DAY_MS = 86_400_000;

/** What a statement names for a public key: its SHA-256, hex (a certificate request in one line). */
export function publicKeyDigest(publicSpki: Buffer): string {
  return createHash('sha256').update(publicSpki).digest('hex');
}

export class OfficerDesk {
  private readonly spent: SpentStatements;

  constructor(
    private readonly crypto: ModuleCrypto,
    private readonly now: () => number,
  ) {
    this.spent = new SpentStatements(now(), MAX_MODULE_OFFICER_NONCES);
  }

  /** Issue the CA certificate that makes a key an officer's: on two security officers' word. */
  async certify(args: M.CertifyOfficerArgs): Promise<M.CertifyOfficerResult> {
    const role = (OFFICER_ROLES as readonly string[]).includes(args.role) ? (args.role as OfficerRole) : fail('invalid_request', 'unknown officer role');
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(args.user)) fail('invalid_request', 'bad officer user name');
    const publicSpki = Buffer.from(args.publicKey, 'base64');
    let key;
    try {
      key = createPublicKey({ key: publicSpki, format: 'der', type: 'spki' });
    } catch {
      return fail('invalid_request', 'the public key is not an SPKI key');
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') fail('invalid_request', 'an officer key is P-256');
    const officers = this.dualControl(args.authorization, 'certify_officer', { user: args.user, role, publicKey: publicKeyDigest(publicSpki) });
    const nowMs = this.now();
    const certificatePem = await this.crypto.issueCertificate({
      subject: officerSubject(args.user, role),
      publicSpki,
      serialHex: newCertSerialHex(),
      notBefore: new Date(nowMs - 60_000),
      notAfter: new Date(nowMs + OFFICER_CERT_LIFETIME_DAYS * DAY_MS),
    });
    return { certificatePem, authorizedBy: officers.map((o) => o.user) };
  }

  /** Two different security officers signed exactly this act, recently, and it was not used before. */
  dualControl(
    authorization: unknown,
    act: 'certify_officer' | 'remove_officer' | 'reinstate_module' | 'clear_halt' | 'install_rates',
    params: Record<string, string>,
  ): VerifiedOfficer[] {
    const nowMs = this.now();
    const { statement, officers } = checkOfficerAuthorization(this.crypto.caCertPem, authorization, {
      act,
      params,
      roles: ['security_officer'],
      signers: 2,
      nowMs,
    });
    this.spent.spend(statement, nowMs);
    return officers;
  }
}
