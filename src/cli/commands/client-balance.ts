import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, session, withCommon, registers, describe } from './client-options.js';

export function clientBalance(client: Command): void {
  withCommon(client.command('balance').description("show the meter's registers, as the module reports them")).action(
    action(async (o: Common) => {
      const b = await (await session(o)).balance();
      emit(o.json === true, registers(b), () => describe(b));
    }),
  );
}
