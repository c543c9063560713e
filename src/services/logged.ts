import { VaultError } from '../errors.js';
import type { LedgerEffect } from '../ledger/index.js';
import { applyEffect, BatchWriter, inTransaction, repo, type Tx } from '../store/index.js';
import type { BatchScope } from './commit/command.js';
import { runModuleCommand } from './commit/module-commit.js';
import type { ServiceContext } from './context.js';

// Changes without a meter package (operator actions, approvals, scans, redemptions): the server
// declares their ledger effects, a module seals them into its log, and the batch applies them.

export interface LoggedChange<R> {
  /** Ops with the same key never share a batch (an item id, an approval id). */
  readonly key?: string | null;
  /** The meter the record is about, if any. */
  readonly meterId?: string | null;
  /** Reads and checks inside the batch's transaction, then the effects; a throw refuses the change alone. */
  readonly effects: (scope: BatchScope) => Promise<readonly LedgerEffect[]> | readonly LedgerEffect[];
  /** Evidence for the log record beyond the effects (e.g. the officers' signatures). */
  readonly logExtra?: unknown;
  /** Non-ledger work once the effects are applied (e.g. clearing a halt), and the answer. */
  readonly answer?: (scope: BatchScope, effects: readonly LedgerEffect[]) => Promise<R> | R;
}

export function logChange<R>(ctx: ServiceContext, change: LoggedChange<R>): Promise<R> {
  let declared: readonly LedgerEffect[] = [];
  return runModuleCommand(ctx, {
    op: 'log',
    key: change.key ?? null,
    async prepare(scope) {
      declared = await change.effects(scope);
      const first = declared[0];
      if (!first) throw new VaultError('internal', 'a logged change has at least one effect');
      return {
        action: first.kind,
        ...(change.meterId ? { meterId: change.meterId } : {}),
        ...(change.logExtra === undefined ? {} : { logExtra: change.logExtra }),
        effects: [...declared],
      };
    },
    answer: async (scope) => (change.answer ? change.answer(scope, declared) : (undefined as R)),
  });
}

/** Effects decided up front (nothing to check in the batch's transaction). */
export function logEffects(ctx: ServiceContext, effects: readonly LedgerEffect[], meterId?: string): Promise<void> {
  return logChange(ctx, { meterId: meterId ?? null, effects: () => effects });
}

/** True when no module can take a log record (all inhibited or down): dual-control recovery must still proceed. */
export function noModuleToLog(e: unknown): boolean {
  return e instanceof VaultError && (e.code === 'module_unavailable' || e.code === 'system_halted');
}

/**
 * A change, logged. When no module can take the record (every one inhibited: exactly when
 * dual-control recovery is needed), it still happens through the same appliers, and the audit
 * trail says it is missing from the log.
 */
export async function logChangeOrNote<R>(ctx: ServiceContext, change: LoggedChange<R>, actor: string | null): Promise<R> {
  try {
    return await logChange(ctx, change);
  } catch (e) {
    if (!noModuleToLog(e)) throw e;
    return inTransaction(ctx.db, (tx) => applyUnlogged(tx, change, actor, (e as Error).message));
  }
}

async function applyUnlogged<R>(tx: Tx, change: LoggedChange<R>, actor: string | null, reason: string): Promise<R> {
  const scope: BatchScope = { tx, meters: new Map(), writer: new BatchWriter('live') };
  const effects = await change.effects(scope);
  for (const effect of effects) applyEffect(scope.writer, effect, { atMs: Date.now() });
  const answer = change.answer ? await change.answer(scope, effects) : (undefined as R);
  await scope.writer.flush(tx);
  await repo.recordAudit(tx, { kind: 'action_not_logged', actor, detail: { action: effects[0]?.kind, reason } });
  return answer;
}
