import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type Common, describe, registers, session, withCommon } from './client-options.js';

// `vaultmeter client move --zip Z`: meter movement, a new licensing ZIP, carried out by a module in
// the sealed package (a MAC'd command) and reported to the postal authority. `client license` shows
// the meter's license and movements.

export function clientMove(client: Command): void {
  withCommon(client.command('move').description('move the meter: a new licensing ZIP (the module changes it in the sealed package)'))
    .requiredOption('--zip <zip>', 'the new licensing ZIP, 5 digits')
    .action(
      action(async (o: Common & { zip: string }) => {
        if (!/^\d{5}$/.test(o.zip)) throw new ProfileError('invalid_request', '--zip is 5 digits');
        const r = await (await session(o)).move(o.zip);
        emit(o.json === true, { fromZip: r.fromZip, toZip: r.toZip, ...registers(r) }, () => `Meter moved from ${r.fromZip} to ${r.toZip}; ${describe(r)}`);
      }),
    );
  withCommon(client.command('license').description("the meter's license and its movements")).action(
    action(async (o: Common) => {
      const c = await session(o);
      const r = await c.license();
      emit(o.json === true, { ...r }, () =>
        [
          r.license ? `License ${r.license.licenseNumber}: ${r.license.status}, ZIP ${r.license.licensingZip}` : 'No license',
          ...r.movements.map((m) => `moved ${m.movedAt}: ${m.fromZip} -> ${m.toZip}`),
        ].join('\n'),
      );
    }),
  );
}
