import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get, post } from './admin-options.js';

// `vaultmeter admin licenses`: meter licenses for the postal authority (issue 18 item 1). A
// security officer issues (the tax id is sealed by a module), suspends, reinstates and revokes.

interface License {
  licenseNumber: string;
  user: string | null;
  licensingZip: string;
  taxIdLast4: string;
  status: string;
  statusReason: string | null;
  issuedAt: string;
}

const describe = (l: License) =>
  `${l.licenseNumber}  ${(l.user ?? '-').padEnd(20)} ZIP ${l.licensingZip}  tax id ...${l.taxIdLast4}  ${l.status}${l.statusReason ? ` (${l.statusReason})` : ''}  issued ${l.issuedAt}`;

const STATUSES = ['issued', 'suspended', 'revoked'];

export function adminLicenses(admin: Command): void {
  const licenses = admin.command('licenses').description('meter licenses: issue, list, suspend, reinstate, revoke');
  withAdmin(licenses.command('list', { isDefault: true }).description('list licenses, newest first'))
    .option('--status <status>', STATUSES.join(', '))
    .action(
      action(async (o: AdminOpts & { status?: string }) => {
        if (o.status && !STATUSES.includes(o.status)) throw new ProfileError('invalid_request', `--status is ${STATUSES.join(', ')}`);
        const r = await get<{ licenses: License[] }>(o, `/v1/admin/licenses${o.status ? `?status=${o.status}` : ''}`);
        emit(o.json === true, r, () => (r.licenses.length ? r.licenses.map(describe).join('\n') : '(no licenses)'));
      }),
    );
  withAdmin(licenses.command('issue').description("license a customer's meter (a security officer); the tax id is sealed by a module"))
    .requiredOption('--user <user>', 'the customer')
    .requiredOption('--tax-id <id>', 'the customer EIN or SSN, nine digits (also from VAULTMETER_TAX_ID)', process.env.VAULTMETER_TAX_ID)
    .option('--zip <zip>', "the licensing ZIP (default: the meter's)")
    .action(
      action(async (o: AdminOpts & { user: string; taxId: string; zip?: string }) => {
        const r = await post<{ license: License }>(o, '/v1/admin/licenses', { user: o.user, taxId: o.taxId, ...(o.zip ? { licensingZip: o.zip } : {}) });
        emit(o.json === true, r, () => `Issued ${describe(r.license)}`);
      }),
    );
  for (const act of ['suspend', 'reinstate', 'revoke'] as const) {
    withAdmin(licenses.command(act).description(`${act} a license, with a reason${act === 'revoke' ? ' (final)' : ''}`))
      .argument('<license>', 'the license number, VM-YYYY-XXXXXXXX')
      .requiredOption('--reason <text>', 'why (recorded; 1-200 characters)')
      .action(
        action(async (number: string, o: AdminOpts & { reason: string }) => {
          const r = await post<{ license: License }>(o, `/v1/admin/licenses/${encodeURIComponent(number)}/${act}`, { reason: o.reason });
          emit(o.json === true, r, () => describe(r.license));
        }),
      );
  }
}
