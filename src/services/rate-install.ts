import { fail, VaultError } from '../errors.js';
import type { OfficerAuthorization } from '../protocol/index.js';
import { parseRateBundle, RateDataError, type RateBundle } from '../rates/index.js';
import { repo, type Tx } from '../store/index.js';
import type { ServiceContext } from './context.js';

// Installing a rate table takes two security officers: one submits the bundle with a signed
// `install_rates` statement over its SHA-256, another approves; on approval every module checks both
// signatures itself and keeps the bundle. The database only carries the bytes between the two.

export function checkedBundle(raw: unknown): RateBundle {
  try {
    return parseRateBundle(raw);
  } catch (e) {
    if (e instanceof RateDataError) fail('rate_table_invalid', e.message);
    throw e;
  }
}

/** What an officer signs to install a bundle (the module builds the same from the bundle itself). */
export function installStatementParams(b: RateBundle): Record<string, string> {
  return { rateTableId: b.table.id, sha256: b.sha256 };
}

export async function keepSubmittedBundle(ctx: ServiceContext, by: string, b: RateBundle): Promise<void> {
  await repo.keepRateBundle(ctx.db, { sha256: b.sha256, rateTableId: b.table.id, bundle: JSON.stringify(b.raw), by });
}

/** Carried out on approval: every module in service installs the bundle; one refusal fails the approval. */
export async function installApproved(
  ctx: ServiceContext,
  tx: Tx,
  a: repo.ApprovalRow,
  by: string,
  authorization: OfficerAuthorization,
): Promise<Record<string, unknown>> {
  const sha256 = a.params.sha256 ?? '';
  const stored = await repo.findRateBundle(tx, sha256);
  if (!stored) fail('not_found', `the rate bundle ${sha256} is no longer held: submit it again (vaultmeter admin rates install)`);
  const bundle = JSON.parse(stored) as unknown;
  const modules = ctx.modules.modules;
  const answers = await Promise.allSettled(modules.map((m) => m.call('installRates', { bundle, authorization })));
  const refused = answers.find((r) => r.status === 'rejected');
  if (refused?.status === 'rejected') {
    const e = refused.reason as unknown;
    throw e instanceof VaultError ? e : new VaultError('module_unavailable', `a module did not take the rate table: ${(e as Error).message}`);
  }
  ctx.rateBook.invalidate();
  const first = (answers[0] as PromiseFulfilledResult<{ tableId: string; effective: string; authorizedBy: readonly string[] }>).value;
  await repo.recordAudit(tx, {
    kind: 'rates_installed',
    actor: by,
    detail: {
      requestedBy: a.requestedBy,
      rateTableId: first.tableId,
      effective: first.effective,
      sha256,
      modules: modules.length,
      authorizedBy: first.authorizedBy,
    },
  });
  return { rateTableId: first.tableId, effective: first.effective, sha256, modules: modules.length };
}
