import type { Q } from './query.js';

/** PostgreSQL's synchronous_standby_names ('' when none is configured). */
export async function synchronousStandbyNames(q: Q): Promise<string> {
  const r = await q.query<{ names: string }>("SELECT current_setting('synchronous_standby_names') AS names");
  return r.rows[0]?.names ?? '';
}
