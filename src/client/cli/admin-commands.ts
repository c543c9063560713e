import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { callApi } from '../http.js';
import { ProfileError } from '../profile.js';
import { DEFAULT_SERVER, emit } from './output.js';
import { action } from './run.js';

interface AdminOpts {
  user: string;
  officer?: string;
  officerPassword?: string;
  server?: string;
  json?: boolean;
}

function officerAuth(o: AdminOpts): string {
  const user = o.officer ?? process.env.VAULTMETER_OFFICER;
  const password = o.officerPassword ?? process.env.VAULTMETER_OFFICER_PASSWORD;
  if (!user || !password) throw new ProfileError('unauthorized', 'give --officer and --officer-password, or set VAULTMETER_OFFICER and VAULTMETER_OFFICER_PASSWORD');
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function withAdmin(cmd: Command): Command {
  return cmd
    .requiredOption('--user <user>', 'the customer')
    .option('--officer <user>', 'officer user name (else VAULTMETER_OFFICER)')
    .option('--officer-password <password>', 'officer password (else VAULTMETER_OFFICER_PASSWORD)')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--json', 'print one JSON object');
}

export function adminCommands(program: Command): void {
  const admin = program.command('admin').description('operator commands (security officer credentials required)');

  withAdmin(admin.command('fund').description("credit a customer's meter"))
    .requiredOption('--amount <dollars>', 'amount in dollars, e.g. 20.00')
    .action(
      action(async (o: AdminOpts & { amount: string }) => {
        const amountMills = parseDollarsToMills(o.amount);
        const r = await callApi<Record<string, string>>(
          o.server ?? DEFAULT_SERVER,
          'POST',
          '/v1/admin/fund',
          { user: o.user, amountMills: amountMills.toString() },
          { headers: { authorization: officerAuth(o), 'idempotency-key': randomUUID() } },
        );
        emit(o.json === true, r, () => `Funded ${o.user} with $${formatMills(amountMills)}; available $${formatMills(BigInt(r.drMills!))}`);
      }),
    );

  withAdmin(admin.command('audit').description("get a module-signed status report of a customer's meter")).action(
    action(async (o: AdminOpts) => {
      const r = await callApi<Record<string, unknown>>(o.server ?? DEFAULT_SERVER, 'POST', '/v1/admin/audit', { user: o.user }, {
        headers: { authorization: officerAuth(o), 'idempotency-key': randomUUID() },
      });
      emit(o.json === true, r, () => JSON.stringify(r.report, null, 2));
    }),
  );
}
