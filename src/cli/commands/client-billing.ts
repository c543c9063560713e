import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { formatMills } from '../../money.js';
import { choosePlan, fetchInvoices, fetchPlan, invoicePdfOf, pricingPlans, ProfileError, type PlanInfo } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon } from './client-options.js';

// `vaultmeter client plan` and `client invoices`: the customer's pricing plan and monthly invoices.

const describe = (p: PlanInfo) =>
  `${p.name} (${p.plan}): $${formatMills(BigInt(p.monthlyFeeMills))} a month, $${formatMills(BigInt(p.perLabelFeeMills))} a label`;

export function clientBilling(client: Command): void {
  withCommon(client.command('plan').description('your pricing plan; --set chooses another (it applies from the next invoice); --list shows them all'))
    .option('--set <plan>', 'pay_as_you_go, standard or business')
    .option('--list', 'the plans on offer')
    .action(
      action(async (o: Common & { set?: string; list?: boolean }) => {
        if (o.list) {
          const plans = await pricingPlans(o.server ?? (await session(o)).server);
          return emit(o.json === true, { plans }, () => plans.map(describe).join('\n'));
        }
        const c = await session(o);
        const p = o.set ? await choosePlan(c, o.set) : await fetchPlan(c);
        emit(o.json === true, { ...p }, () => describe(p));
      }),
    );

  withCommon(client.command('invoices').description('your monthly invoices for the plan and per-label fees; --pdf saves one'))
    .option('--pdf <invoiceId>', 'save this invoice as a PDF')
    .option('--out <file>', 'where to save it (with --pdf)')
    .action(
      action(async (o: Common & { pdf?: string; out?: string }) => {
        const c = await session(o);
        if (o.pdf) {
          if (!o.out) throw new ProfileError('invalid_request', '--pdf needs --out FILE');
          await writeFile(o.out, await invoicePdfOf(c, o.pdf));
          return emit(o.json === true, { invoiceId: o.pdf, out: o.out }, () => `Saved invoice ${o.pdf} to ${o.out}`);
        }
        const invoices = await fetchInvoices(c);
        emit(o.json === true, { invoices }, () =>
          invoices.length ? invoices.map((i) => `${i.month}  ${i.invoiceId}  ${i.plan}  $${formatMills(BigInt(i.totalMills))}`).join('\n') : 'No invoices yet',
        );
      }),
    );
}
