import { randomBytes } from 'node:crypto';
import { MAX_LICENSE_MOVEMENTS, MAX_LICENSES_PAGE } from '../constants.js';
import { fail } from '../errors.js';
import { repo, type LicenseRow } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { registeredCustomer } from './funding.js';
import { logChange } from './logged.js';

// Meter licenses (issue 18 item 1): the provider subsystem's record of each licensed meter, for the
// postal authority. A security officer issues one, with the customer's tax id sealed by a module
// (never in clear, here or in the log); suspends, reinstates and revokes it with a reason. Each is a
// ledger effect. Moving a meter (a new licensing ZIP) is the customer's MAC'd `move` command, which
// a module carries out in the sealed package (`meter_moved`).

export type LicenseAction = 'suspend' | 'reinstate' | 'revoke';

const NEXT_STATUS: Readonly<Record<LicenseAction, { from: readonly string[]; to: 'issued' | 'suspended' | 'revoked' }>> = {
  suspend: { from: ['issued'], to: 'suspended' },
  reinstate: { from: ['suspended'], to: 'issued' },
  revoke: { from: ['issued', 'suspended'], to: 'revoked' },
};

export interface LicenseView {
  readonly licenseNumber: string;
  readonly user: string | null;
  readonly meterId: string;
  readonly licensingZip: string;
  readonly taxIdLast4: string;
  readonly status: string;
  readonly statusReason: string | null;
  readonly issuedBy: string;
  readonly issuedAt: string;
  readonly statusAt: string;
}

const viewOf = (l: LicenseRow): LicenseView => ({
  licenseNumber: l.licenseNumber,
  user: l.username,
  meterId: l.meterId,
  licensingZip: l.licensingZip,
  taxIdLast4: l.taxIdLast4,
  status: l.status,
  statusReason: l.statusReason,
  issuedBy: l.issuedBy,
  issuedAt: l.issuedAt.toISOString(),
  statusAt: l.statusAt.toISOString(),
});

/** VM-<year>-<8 hex>: random, so that a number says nothing about how many were issued. */
function newLicenseNumber(now: Date): string {
  return `VM-${now.getUTCFullYear()}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export async function issueLicense(ctx: ServiceContext, officer: string, user: string, taxId: string, licensingZip?: string): Promise<LicenseView> {
  const customer = await registeredCustomer(ctx, user);
  const meterId = customer.meterId;
  if (await repo.liveLicenseOf(ctx.db, meterId)) fail('license_exists', `${user}'s meter holds a license already`);
  const zip = licensingZip ?? (await repo.licensingZipOf(ctx.db, meterId)) ?? fail('not_found', 'no such meter');
  if (!/^\d{5}$/.test(zip)) fail('invalid_request', 'the licensing ZIP is 5 digits');
  const licenseNumber = newLicenseNumber(new Date());
  const sealed = await ctx.modules.anyConnected().call('sealTaxId', { meterId, licenseNumber, taxId });
  await logChange(ctx, {
    meterId,
    key: `license:${meterId}`,
    async effects({ tx }) {
      if (await repo.liveLicenseOf(tx, meterId)) fail('license_exists', `${user}'s meter holds a license already`);
      return [{ kind: 'license_issued', licenseNumber, meterId, licensingZip: zip, taxIdSealed: sealed.sealedBase64, taxIdLast4: sealed.last4, officer }];
    },
  });
  return viewOf((await repo.findLicense(ctx.db, licenseNumber))!);
}

export async function changeLicense(ctx: ServiceContext, officer: string, licenseNumber: string, action: LicenseAction, reason: string): Promise<LicenseView> {
  const found = await repo.findLicense(ctx.db, licenseNumber);
  if (!found) fail('not_found', `no license ${licenseNumber}`);
  const rule = NEXT_STATUS[action];
  await logChange(ctx, {
    meterId: found.meterId,
    key: `license:${found.meterId}`,
    async effects({ tx }) {
      const l = await repo.findLicense(tx, licenseNumber);
      if (!l || !rule.from.includes(l.status)) fail('license_transition', `a ${l?.status ?? 'missing'} license cannot be ${action}d`);
      return [{ kind: 'license_status_changed', licenseNumber, meterId: l.meterId, status: rule.to, reason, officer }];
    },
  });
  return viewOf((await repo.findLicense(ctx.db, licenseNumber))!);
}

export async function listLicenses(ctx: ServiceContext, status: string | null, limit: number): Promise<LicenseView[]> {
  return (await repo.listLicenses(ctx.db, status, Math.min(limit, MAX_LICENSES_PAGE))).map(viewOf);
}

/** A customer's own license and the meter's movements, newest first; null license when it holds none. */
export async function licenseOfMeter(ctx: ServiceContext, meterId: string) {
  const [license, movements] = await Promise.all([repo.liveLicenseOf(ctx.db, meterId), repo.listMovements(ctx.db, meterId, MAX_LICENSE_MOVEMENTS)]);
  return {
    license: license && viewOf(license),
    movements: movements.map((m) => ({ movedAt: m.movedAt.toISOString(), fromZip: m.fromZip, toZip: m.toZip })),
  };
}
