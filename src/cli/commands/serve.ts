import type { Command } from 'commander';
import { runApiServer } from '../../runtime/index.js';
import { action } from '../run.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API server process alone (started by `vaultmeter start`; needs VAULTMETER_DB_URL and VAULTMETER_MODULE_SOCKETS)')
    .action(action(async () => runApiServer()));
}
