import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { formatMills, parseDollarsToMills } from '../../money.js';
import { callApi } from '../http.js';
import { ProfileError } from '../profile.js';
import { DEFAULT_SERVER, emit } from './output.js';
import { action } from './run.js';

interface AdminOpts {
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
    .option('--officer <user>', 'officer user name (else VAULTMETER_OFFICER)')
    .option('--officer-password <password>', 'officer password (else VAULTMETER_OFFICER_PASSWORD)')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--json', 'print one JSON object');
}

function post<T = Record<string, unknown>>(o: AdminOpts, path: string, body: unknown): Promise<T> {
  return callApi<T>(o.server ?? DEFAULT_SERVER, 'POST', path, body, { headers: { authorization: officerAuth(o), 'idempotency-key': randomUUID() } });
}

function get<T = Record<string, unknown>>(o: AdminOpts, path: string): Promise<T> {
  return callApi<T>(o.server ?? DEFAULT_SERVER, 'GET', path, undefined, { headers: { authorization: officerAuth(o) } });
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

export function adminCommands(program: Command): void {
  const admin = program.command('admin').description('operator commands (officer credentials required)');

  withAdmin(admin.command('fund').description("credit a customer's meter"))
    .requiredOption('--user <user>', 'the customer')
    .requiredOption('--amount <dollars>', 'amount in dollars, e.g. 20.00')
    .action(
      action(async (o: AdminOpts & { user: string; amount: string }) => {
        const amountMills = parseDollarsToMills(o.amount);
        const r = await post<Record<string, string>>(o, '/v1/admin/fund', { user: o.user, amountMills: amountMills.toString() });
        emit(o.json === true, r, () => `Funded ${o.user} with $${formatMills(amountMills)}; available $${formatMills(BigInt(r.drMills!))}`);
      }),
    );

  withAdmin(admin.command('audit').description("get a module-signed status report of a customer's meter"))
    .requiredOption('--user <user>', 'the customer')
    .action(
      action(async (o: AdminOpts & { user: string }) => {
        const r = await post(o, '/v1/admin/audit', { user: o.user });
        emit(o.json === true, r, () => pretty(r.report));
      }),
    );

  withAdmin(admin.command('revoke').description("revoke a customer's meter: its items stop verifying and it runs no more commands"))
    .requiredOption('--user <user>', 'the customer')
    .requiredOption('--reason <text>', 'why (published in the revocation list)')
    .action(
      action(async (o: AdminOpts & { user: string; reason: string }) => {
        const r = await post(o, '/v1/admin/revoke', { user: o.user, reason: o.reason });
        emit(o.json === true, r, () => `Revoked meter ${String(r.meterId)}`);
      }),
    );

  const modules = withAdmin(admin.command('modules').description('show the cryptographic module table (checkpoints, states) and the halt state'));
  modules.action(
    action(async (o: AdminOpts) => {
      const r = await get<{ halted: boolean; haltReason: string | null; modules: Record<string, any>[] }>(o, '/v1/admin/modules');
      emit(o.json === true, r, () =>
        [
          r.halted ? `SYSTEM HALTED: ${r.haltReason}` : 'system: running',
          ...r.modules.map((m) => `${m.serial}  ${m.state.padEnd(9)}  checkpoint #${m.checkpoint.seq} ${m.checkpoint.type ?? '-'} ${m.checkpoint.at ?? ''}${m.inhibitedReason ? `  (${m.inhibitedReason})` : ''}`),
        ].join('\n'),
      );
    }),
  );
  withAdmin(modules.command('reinstate').description('request that an inhibited module return to service (a second security officer approves)'))
    .requiredOption('--module <serial>', 'the inhibited module')
    .action(
      // The parent `modules` command takes the same officer options: read them from either level.
      action(async (_o: unknown, cmd: Command) => {
        const o = cmd.optsWithGlobals() as AdminOpts & { module: string };
        const r = await post<{ approval: { id: string }; next: string }>(o, '/v1/admin/approvals', { action: 'reinstate_module', module: o.module });
        emit(o.json === true, r, () => `Requested approval #${r.approval.id}; ${r.next}`);
      }),
    );

  withAdmin(admin.command('log').description('the transaction log: durability level, ship targets and shipping lag')).action(
    action(async (o: AdminOpts) => {
      type Status = { durability: string; lagMs: number; targets: { name: string; logs: { logId: string; lastSeq: string; shippedSeq: string; lagRecords: string; lagMs: number }[] }[] };
      const r = await get<Status>(o, '/v1/admin/log');
      emit(o.json === true, r, () =>
        [
          `durability: ${r.durability}; oldest unshipped record: ${(r.lagMs / 1000).toFixed(1)} s`,
          ...r.targets.flatMap((t) => [`${t.name}`, ...t.logs.map((l) => `  log ${l.logId}: ${l.shippedSeq}/${l.lastSeq} shipped, ${l.lagRecords} behind (${(l.lagMs / 1000).toFixed(1)} s)`)]),
        ].join('\n'),
      );
    }),
  );

  const halt = admin.command('halt').description('the system halt');
  withAdmin(halt.command('clear').description('request clearing the halt (a second security officer approves)')).action(
    action(async (o: AdminOpts) => {
      const r = await post<{ approval: { id: string }; next: string }>(o, '/v1/admin/approvals', { action: 'clear_halt' });
      emit(o.json === true, r, () => `Requested approval #${r.approval.id}; ${r.next}`);
    }),
  );

  withAdmin(admin.command('approve').description('approve and carry out a dual-control request made by another security officer'))
    .argument('<id>', 'approval request id')
    .action(
      action(async (id: string, o: AdminOpts) => {
        if (!/^\d{1,18}$/.test(id)) throw new ProfileError('invalid_request', 'the approval id is a number');
        const r = await post<{ approval: Record<string, unknown> }>(o, `/v1/admin/approvals/${id}/approve`, {});
        emit(o.json === true, r, () => `Approved #${id}: ${pretty(r.approval.result)}`);
      }),
    );

  withAdmin(admin.command('approvals').description('list dual-control requests')).action(
    action(async (o: AdminOpts) => {
      const r = await get<{ approvals: Record<string, string>[] }>(o, '/v1/admin/approvals');
      emit(o.json === true, r, () => r.approvals.map((a) => `#${a.id} ${a.action} ${a.state} requested by ${a.requestedBy}${a.decidedBy ? `, decided by ${a.decidedBy}` : ''}`).join('\n') || 'no requests');
    }),
  );

  withAdmin(admin.command('events').description('show the audit trail'))
    .option('--since <id>', 'only events after this id', '0')
    .action(
      action(async (o: AdminOpts & { since: string }) => {
        const r = await get<{ events: Record<string, unknown>[] }>(o, `/v1/admin/audit-events?since=${encodeURIComponent(o.since)}`);
        emit(o.json === true, r, () => r.events.map((e) => `#${e.eventId} ${e.at} ${e.kind} ${e.moduleSerial ?? ''} ${e.meterId ?? ''} ${JSON.stringify(e.detail)}`).join('\n') || 'no events');
      }),
    );

  const officers = admin.command('officers').description('officer accounts');
  withAdmin(officers.command('add').description('create an officer account (its password is printed once)'))
    .requiredOption('--new-officer <user>', 'user name of the new officer')
    .option('--role <role>', 'security_officer or operator', 'security_officer')
    .action(
      action(async (o: AdminOpts & { newOfficer: string; role: string }) => {
        const r = await post<{ officer: { user: string; password: string; role: string } }>(o, '/v1/admin/officers', { user: o.newOfficer, role: o.role });
        emit(o.json === true, r, () => `Officer ${r.officer.user} (${r.officer.role}) created; password (shown once): ${r.officer.password}`);
      }),
    );
}
