import type { Command } from 'commander';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get } from './admin-options.js';

export function adminEvents(admin: Command): void {
  withAdmin(admin.command('events').description('show the audit trail'))
    .option('--since <id>', 'only events after this id', '0')
    .action(
      action(async (o: AdminOpts & { since: string }) => {
        const r = await get<{ events: Record<string, unknown>[] }>(o, `/v1/admin/audit-events?since=${encodeURIComponent(o.since)}`);
        emit(
          o.json === true,
          r,
          () =>
            r.events.map((e) => `#${e.eventId} ${e.at} ${e.kind} ${e.moduleSerial ?? ''} ${e.meterId ?? ''} ${JSON.stringify(e.detail)}`).join('\n') ||
            'no events',
        );
      }),
    );
}
