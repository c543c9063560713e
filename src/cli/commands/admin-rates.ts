import type { Command } from 'commander';
import { readRateBundle } from '../../runtime/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { post, signedByOfficer, withAdmin, type AdminOpts } from './admin-options.js';

// Installing a rate table: one security officer submits it with a signed statement over its
// SHA-256; a second approves (`admin approve`), and every module checks both signatures.

interface RatesFileOpts extends AdminOpts {
  zones?: string;
}

async function bundleOf(file: string, o: RatesFileOpts) {
  try {
    return await readRateBundle(file, ...(o.zones ? [o.zones] : []));
  } catch (e) {
    throw Object.assign(new Error((e as Error).message), { code: 'rate_table_invalid' });
  }
}

export function adminRates(admin: Command): void {
  const rates = admin.command('rates').description('rate tables: install one (dual control), or show the hash the officers sign');
  withAdmin(rates.command('install'))
    .description('submit a rate table for installation; a different security officer approves it with `admin approve`')
    .argument('<table.json>', 'a rate table file (docs/RATES.md), e.g. data/rates/usps-2026-07-12.json')
    .option('--zones <file>', 'zone data to price with (default: data/zones/zip3-centroids.json)')
    .action(
      action(async (file: string, o: RatesFileOpts) => {
        const b = await bundleOf(file, o);
        const authorization = await signedByOfficer(o, 'install_rates', { rateTableId: b.table.id, sha256: b.sha256 });
        const r = await post<{ approval: { id: string }; next: string }>(o, '/v1/admin/rates', { bundle: b.raw, authorization });
        emit(o.json === true, r, () => `Submitted ${b.table.id} (sha256 ${b.sha256}) as approval ${r.approval.id}; ${r.next}`);
      }),
    );
  rates
    .command('hash')
    .description('print the id and SHA-256 of a rate table with its zone data: what the approving officer checks before approving')
    .argument('<table.json>', 'a rate table file')
    .option('--zones <file>', 'zone data (default: data/zones/zip3-centroids.json)')
    .option('--json', 'print one JSON object')
    .action(
      action(async (file: string, o: RatesFileOpts) => {
        const b = await bundleOf(file, o);
        const out = { rateTableId: b.table.id, effective: b.table.effective, sha256: b.sha256, unconfirmed: b.table.unconfirmed.length };
        emit(
          o.json === true,
          out,
          () => `${b.table.id} in force from ${b.table.effective}: sha256 ${b.sha256} (${out.unconfirmed} unconfirmed cell(s) unpriced)`,
        );
      }),
    );
}
