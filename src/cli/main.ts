import { Command } from 'commander';
import { adminCommands } from './admin-commands.js';
import { auditCommand } from './audit-command.js';
import { backupCommands } from './backup-commands.js';
import { clientCommands } from './client-commands.js';
import { systemCommands } from './system-commands.js';
import { redeemCommand } from './redeem-command.js';
import { verifyCommand } from './verify-command.js';

const program = new Command('vaultmeter')
  .description('Vaultmeter: virtual postage meters with cryptographic modules, sealed state and signed items')
  .version('0.1.0')
  .showHelpAfterError();
systemCommands(program);
clientCommands(program);
adminCommands(program);
verifyCommand(program);
redeemCommand(program);
auditCommand(program);
backupCommands(program);
await program.parseAsync(process.argv);
