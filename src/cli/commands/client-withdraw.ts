import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon, registers, describe } from './client-options.js';

export function clientWithdraw(client: Command): void {
  withCommon(client.command('withdraw').description('withdraw the meter from service (it prints no more)')).action(
    action(async (o: Common) => {
      const r = await (await session(o)).withdraw();
      emit(o.json === true, { withdrawn: true, ...registers(r) }, () => `Meter withdrawn; ${describe(r)}`);
    }),
  );
}
