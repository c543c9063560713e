import { fail } from '../errors.js';
import type { CommandArgs, CommandResult } from '../module/index.js';
import { repo, type Tx } from '../store/index.js';
import type { ServerContext } from './context.js';
import { refusal, type Outcome } from './idempotency.js';
import { savePackage, sealedRef } from './packages.js';

export type CommandInput = Omit<CommandArgs, 'pkg'>;

/**
 * Run one client command through a module and turn its answer into an Outcome. The package write
 * is a compare-and-set on the version, committed together with `onOk`'s writes.
 */
export async function runMeterCommand(
  ctx: ServerContext,
  meterId: string,
  input: CommandInput,
  onOk: (tx: Tx, result: CommandResult) => Promise<Record<string, unknown>> = async () => ({}),
  onRefused: (tx: Tx, result: CommandResult) => Promise<void> = async () => {},
): Promise<Outcome> {
  const meter = await repo.getMeter(ctx.db, meterId);
  if (!meter) fail('not_found', 'no such meter');
  const result = await ctx.modules.call('command', { ...input, pkg: sealedRef(meter) });
  const save = (tx: Tx) => savePackage(tx, meter, result.package);
  const moduleAnswer = { response: result.response, responseMac: result.responseMac };
  if (result.error) {
    return refusal(result.error.code, result.error.message, { ...result.error.extra, ...moduleAnswer }, async (tx) => {
      await save(tx);
      await onRefused(tx, result);
    });
  }
  const body: Record<string, unknown> = { ...moduleAnswer };
  return {
    status: 200,
    body,
    write: async (tx) => {
      await save(tx);
      Object.assign(body, await onOk(tx, result));
    },
  };
}
