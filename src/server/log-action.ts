import { VaultError } from '../errors.js';
import { inTransaction, repo, type Tx } from '../store/index.js';
import type { ServerContext } from './context.js';
import { onModule } from './module-tx.js';

export interface LoggedAction {
  /** e.g. meter_revoked, officer_created, approval_requested */
  readonly action: string;
  readonly meterId?: string | null;
  /** What replay needs to redo the change, and who did it. Sealed in the record body. */
  readonly detail: Record<string, unknown>;
}

/**
 * A change made by an operator (or by the system) without a meter package: a module seals it into
 * its log, and `write` makes the change, in the same database transaction as the record. `check`
 * runs first, in that transaction, before the module is asked: a refusal leaves no log record.
 */
export function logged<R>(ctx: ServerContext, what: (tx: Tx) => Promise<LoggedAction>, write: (tx: Tx, a: LoggedAction) => Promise<R>): Promise<R> {
  let action!: LoggedAction;
  return onModule(
    ctx,
    'log',
    async (tx) => {
      action = await what(tx);
      return { action: action.action, ...(action.meterId ? { meterId: action.meterId } : {}), logExtra: action.detail };
    },
    (tx) => write(tx, action),
  );
}

/** True when no module can take a log record (all inhibited or down): dual-control recovery must still proceed. */
function noModuleToLog(e: unknown): boolean {
  return e instanceof VaultError && (e.code === 'module_unavailable' || e.code === 'system_halted');
}

/**
 * An operator action, logged. When no module can take the record (every one inhibited: exactly
 * when dual-control recovery is needed), it still happens, and the audit trail says it is missing
 * from the log.
 */
export async function loggedOrNoted<R>(ctx: ServerContext, a: LoggedAction, write: (tx: Tx) => Promise<R>): Promise<R> {
  try {
    return await logged(ctx, async () => a, (tx) => write(tx));
  } catch (e) {
    if (!noModuleToLog(e)) throw e;
    return inTransaction(ctx.db, async (tx) => {
      const r = await write(tx);
      await repo.recordAudit(tx, { kind: 'action_not_logged', actor: String(a.detail.by ?? a.detail.officer ?? ''), detail: { action: a.action, reason: (e as Error).message } });
      return r;
    });
  }
}
