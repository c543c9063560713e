import type { Command } from 'commander';
import { runShipper } from '../../runtime/index.js';
import { action } from '../run.js';

export function shipCommand(program: Command): void {
  program
    .command('ship')
    .description(
      'run the transaction log shipper alone (started by `vaultmeter start`; needs VAULTMETER_DB_URL, VAULTMETER_CA_CERT and VAULTMETER_SHIP_TARGETS)',
    )
    .action(action(async () => runShipper()));
}
