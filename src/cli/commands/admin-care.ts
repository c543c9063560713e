import type { Command } from 'commander';
import { MAX_ADJUSTMENT_MILLS } from '../../constants.js';
import { formatMills, parseDollarsToMills } from '../../money.js';
import type { OfficerAct } from '../../protocol/index.js';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get, meterIdOf, post, pretty, signedByOfficer } from './admin-options.js';

// Customer care from the CLI: look a customer up, ask for a care act (a security officer approves
// it with `vaultmeter admin approve ID`), and list closed accounts' refunds.

type CareOpts = AdminOpts & { user: string; reason: string; amount?: string };

/** Sign the care act (the statement names the meter, the reason and any amount) and file the request. */
async function askForCare(o: CareOpts, act: OfficerAct & ('reset_password' | 'adjust_balance' | 'close_account'), amountMills?: string): Promise<void> {
  const meterId = await meterIdOf(o, o.user);
  const params: Record<string, string> = { meterId, reason: o.reason, ...(amountMills ? { amountMills } : {}) };
  const authorization = await signedByOfficer(o, act, params);
  const r = await post<{ approval: { id: string }; next: string }>(o, '/v1/admin/care', {
    action: act,
    user: o.user,
    reason: o.reason,
    amountMills,
    authorization,
  });
  emit(o.json === true, r, () => `Requested ${act.replace('_', ' ')} for ${o.user} (approval #${r.approval.id}); ${r.next}`);
}

/** "-2.50" or "2.50" dollars as signed mills. */
function signedMills(text: string): string {
  const negative = text.startsWith('-');
  const mills = parseDollarsToMills(negative ? text.slice(1) : text, MAX_ADJUSTMENT_MILLS);
  return (negative ? -mills : mills).toString();
}

export function adminCare(admin: Command): void {
  withAdmin(admin.command('customer').description("a customer's standing: meter, profile, bank accounts, funding, API keys, members and care history"))
    .argument('<user>', 'the customer')
    .action(
      action(async (user: string, o: AdminOpts) => {
        const r = await get<Record<string, unknown>>(o, `/v1/admin/customers/${encodeURIComponent(user)}`);
        emit(o.json === true, r, () => pretty(r));
      }),
    );

  const care = admin.command('care').description('customer care acts: each is asked for here and carried out when a different security officer approves it');
  const reason = (c: Command) =>
    withAdmin(c).requiredOption('--user <user>', 'the customer').requiredOption('--reason <text>', 'why (recorded and signed; 1-200 characters)');

  reason(care.command('reset-password').description("reset a forgotten password: the module draws one that only the customer's client can open")).action(
    action(async (o: CareOpts) => askForCare(o, 'reset_password')),
  );
  reason(care.command('adjust').description('adjust the balance: a positive amount credits, a negative one takes value out'))
    .requiredOption('--amount <dollars>', 'signed dollars, e.g. 2.50 or -2.50')
    .action(action(async (o: CareOpts) => askForCare(o, 'adjust_balance', signedMills(o.amount!))));
  reason(care.command('close').description('close the account: the meter is withdrawn and its balance is owed back to the customer')).action(
    action(async (o: CareOpts) => askForCare(o, 'close_account')),
  );

  withAdmin(admin.command('account-refund-paid').description("record that a closed account's refund was paid (a security officer)"))
    .requiredOption('--user <user>', 'the customer')
    .requiredOption('--reference <text>', 'how it was paid (a check number, a transfer reference)')
    .action(
      action(async (o: AdminOpts & { user: string; reference: string }) => {
        const meterId = await meterIdOf(o, o.user);
        const r = await post<{ meterId: string; state: string }>(o, `/v1/admin/account-refunds/${meterId}/paid`, { reference: o.reference });
        emit(o.json === true, r, () => `The refund of ${o.user} is recorded as paid`);
      }),
    );

  withAdmin(admin.command('account-refunds').description('closed accounts and what each customer is owed back'))
    .option('--state <state>', 'payable, paid or none')
    .action(
      action(async (o: AdminOpts & { state?: string }) => {
        if (o.state && !['payable', 'paid', 'none'].includes(o.state)) throw new ProfileError('invalid_request', '--state is payable, paid or none');
        const r = await get<{ refunds: { user: string | null; refundMills: string; state: string; closedAt: string; reason: string }[] }>(
          o,
          `/v1/admin/account-refunds${o.state ? `?state=${o.state}` : ''}`,
        );
        emit(o.json === true, r, () =>
          r.refunds.length === 0
            ? 'No closed accounts'
            : r.refunds.map((x) => `${x.closedAt}  ${x.user ?? '?'}  $${formatMills(BigInt(x.refundMills))}  ${x.state}  ${x.reason}`).join('\n'),
        );
      }),
    );
}
