import { fail } from '../errors.js';
import { repo } from '../store/index.js';
import type { Answer, Remember } from './answer.js';
import { onMeter } from './commit/meter-op.js';
import type { ServiceContext } from './context.js';

// Operator work on a customer's meter: funding (the patent's postage value download) and the
// module-signed device audit. Each is a module op whose ledger effects the batch applies.

export async function registeredCustomer(ctx: ServiceContext, user: string): Promise<repo.CustomerRow> {
  const c = await repo.findCustomer(ctx.db, user);
  if (!c?.registeredAt) fail('not_found', `no registered customer ${user}`);
  return c;
}

export function fund(
  ctx: ServiceContext,
  officer: string,
  customer: repo.CustomerRow,
  amountMills: bigint,
  authorization: unknown,
  remember: Remember,
): Promise<Answer> {
  // The module refuses a funding without the officer's signed statement; this is the clearer answer.
  if (authorization === undefined) fail('officer_signature_required', 'sign the funding with your officer key (vaultmeter admin fund --officer-key)');
  return onMeter(ctx, 'fund', customer.meterId, {
    args: () => ({ amountMills: amountMills.toString(), authorization, actor: officer, logExtra: { officer } }),
    answer: ({ writer }, r, meter) => {
      const body = {
        user: customer.username,
        meterId: meter.meterId,
        amountMills: amountMills.toString(),
        arMills: r.arMills,
        drMills: r.drMills,
        controlTotalMills: r.controlTotalMills,
      };
      const answer = { status: 200, body };
      remember(writer, answer);
      return answer;
    },
  });
}

export function audit(ctx: ServiceContext, officer: string, customer: repo.CustomerRow, remember: Remember): Promise<Answer> {
  return onMeter(ctx, 'audit', customer.meterId, {
    args: () => ({ actor: officer, logExtra: { officer } }),
    answer: ({ writer }, r) => {
      const answer = { status: 200, body: { report: r.fields, reportBase64: r.report, signatureDerHex: r.signature, moduleCertificatePem: r.moduleCertPem } };
      remember(writer, answer);
      return answer;
    },
  });
}
