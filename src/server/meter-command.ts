import { fail } from '../errors.js';
import type { CommandArgs, CommandResult } from '../module/index.js';
import type { Tx } from '../store/index.js';
import type { ServerContext } from './context.js';
import { refusalAnswer, type Answer, type Remember } from './idempotency.js';
import { onMeter } from './module-tx.js';

export type CommandInput = Omit<CommandArgs, 'pkg'>;

/**
 * Run one client command through a module. The new package (a compare-and-set on its version), the
 * module checkpoint, `onOk`'s or `onRefused`'s writes and the idempotent answer commit together.
 */
export async function runMeterCommand(
  ctx: ServerContext,
  meterId: string,
  input: CommandInput,
  remember: Remember,
  onOk: (tx: Tx, result: CommandResult) => Promise<Record<string, unknown>> = async () => ({}),
  onRefused: (tx: Tx, result: CommandResult) => Promise<void> = async () => {},
): Promise<Answer> {
  return onMeter(
    ctx,
    'command',
    meterId,
    (meter) => {
      if (meter.status === 'revoked') fail('meter_revoked', "the meter's certificate was revoked by an operator");
      if (meter.status === 'suspended') fail('meter_suspended');
      return input;
    },
    async (tx, result) => {
      const moduleAnswer = { response: result.response, responseMac: result.responseMac };
      let answer: Answer;
      if (result.error) {
        await onRefused(tx, result);
        answer = refusalAnswer(result.error.code, result.error.message, { ...result.error.extra, ...moduleAnswer });
      } else {
        answer = { status: 200, body: { ...moduleAnswer, ...(await onOk(tx, result)) } };
      }
      await remember(tx, answer);
      return answer;
    },
  );
}
