import { Command } from 'commander';
import { addressVerify } from './commands/address-verify.js';
import { adminApprovals } from './commands/admin-approvals.js';
import { adminApprove } from './commands/admin-approve.js';
import { adminAudit } from './commands/admin-audit.js';
import { adminEvents } from './commands/admin-events.js';
import { adminFund } from './commands/admin-fund.js';
import { adminHaltClear } from './commands/admin-halt-clear.js';
import { adminHistory } from './commands/admin-history.js';
import { adminLog } from './commands/admin-log.js';
import { adminMail } from './commands/admin-mail.js';
import { adminModulesReinstate } from './commands/admin-modules-reinstate.js';
import { adminModules } from './commands/admin-modules.js';
import { adminOfficersAdd } from './commands/admin-officers-add.js';
import { adminOfficersRemove } from './commands/admin-officers-remove.js';
import { adminRates } from './commands/admin-rates.js';
import { adminRevoke } from './commands/admin-revoke.js';
import { adminUnlock } from './commands/admin-unlock.js';
import { adminCare } from './commands/admin-care.js';
import { adminBilling } from './commands/admin-billing.js';
import { clientBilling } from './commands/client-billing.js';
import { auditCommand } from './commands/audit-verify.js';
import { backupCreate } from './commands/backup-create.js';
import { backupList } from './commands/backup-list.js';
import { clientBalance } from './commands/client-balance.js';
import { clientHistory } from './commands/client-history.js';
import { clientIssue } from './commands/client-issue.js';
import { clientItems } from './commands/client-items.js';
import { clientLogin } from './commands/client-login.js';
import { clientLogout } from './commands/client-logout.js';
import { clientPassword } from './commands/client-password.js';
import { clientPasswordReset } from './commands/client-password-reset.js';
import { clientPrint } from './commands/client-print.js';
import { clientProfile } from './commands/client-profile.js';
import { clientBankAccounts } from './commands/client-bank-accounts.js';
import { clientApiKeys } from './commands/client-api-keys.js';
import { clientMembers } from './commands/client-members.js';
import { clientMove } from './commands/client-move.js';
import { adminLicenses } from './commands/admin-licenses.js';
import { providerCommand } from './commands/provider-reports.js';
import { clientPrinterList } from './commands/client-printer-list.js';
import { clientPrinterTest } from './commands/client-printer-test.js';
import { clientRefund } from './commands/client-refund.js';
import { clientRegister } from './commands/client-register.js';
import { clientTransactions } from './commands/client-transactions.js';
import { clientVerifyEmail } from './commands/client-verify-email.js';
import { clientWithdraw } from './commands/client-withdraw.js';
import { clientFund, clientFunding } from './commands/client-fund.js';
import { clientTestFund } from './commands/client-test-fund.js';
import { adminPayments } from './commands/admin-payments.js';
import { initCommand } from './commands/init.js';
import { moduleCommand } from './commands/module.js';
import { ratesCommand } from './commands/rates.js';
import { recoverCommand } from './commands/recover.js';
import { redeemCommand } from './commands/redeem.js';
import { serveCommand } from './commands/serve.js';
import { shipCommand } from './commands/ship.js';
import { startCommand } from './commands/start.js';
import { reportsCommand, stagingCommand } from './commands/staging.js';
import { verifyCommand } from './commands/verify.js';

// The composition root: each command lives in its own file under commands/; the groups and their
// order (which is the order --help lists them in) are decided here.

function clientGroup(program: Command): void {
  const client = program.command('client').description('customer commands: register, log in, check the balance, print items');
  for (const add of [
    clientRegister,
    clientLogin,
    clientBalance,
    clientPrint,
    clientIssue,
    clientItems,
    clientHistory,
    clientTransactions,
    clientRefund,
    clientWithdraw,
    clientPassword,
    clientPasswordReset,
    clientFund,
    clientFunding,
    clientTestFund,
  ])
    add(client);
  const printer = client.command('printer').description("printer profiles (the patent's printer configuration service)");
  clientPrinterTest(printer);
  clientPrinterList(printer);
  clientProfile(client);
  clientBilling(client);
  clientBankAccounts(client);
  clientApiKeys(client);
  clientMembers(client);
  clientMove(client);
  clientVerifyEmail(client);
  clientLogout(client);
}

function adminGroup(program: Command): void {
  const admin = program.command('admin').description('operator commands (officer credentials required)');
  adminFund(admin);
  adminAudit(admin);
  adminRevoke(admin);
  adminUnlock(admin);
  adminCare(admin);
  adminBilling(admin);
  adminModulesReinstate(adminModules(admin));
  adminLog(admin);
  adminHaltClear(admin.command('halt').description('the system halt'));
  adminApprove(admin);
  adminApprovals(admin);
  adminRates(admin);
  adminEvents(admin);
  adminHistory(admin);
  adminMail(admin);
  adminPayments(admin);
  const officers = admin.command('officers').description('officer accounts');
  adminOfficersAdd(officers);
  adminOfficersRemove(officers);
  adminLicenses(admin);
}

export function buildProgram(): Command {
  const program = new Command('vaultmeter')
    .description('Vaultmeter: virtual postage meters with cryptographic modules, sealed state and signed items')
    .version('0.1.0')
    .showHelpAfterError();
  for (const add of [initCommand, startCommand, moduleCommand, shipCommand, serveCommand]) add(program);
  clientGroup(program);
  adminGroup(program);
  ratesCommand(program);
  verifyCommand(program);
  redeemCommand(program);
  addressVerify(program.command('address').description("addresses: Publication 28 standardizing and matching (the patent's AMS)"));
  auditCommand(program);
  const backup = program.command('backup').description('sealed, signed snapshots of the database (with the log position each covers)');
  backupCreate(backup);
  backupList(backup);
  recoverCommand(program);
  providerCommand(program);
  stagingCommand(program);
  reportsCommand(program);
  return program;
}
