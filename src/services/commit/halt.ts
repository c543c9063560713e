import { fail, VaultError } from '../../errors.js';
import type { ModulePool } from '../../module/index.js';

// The halt is held by the modules, in their ring files: a database row can report it, but neither
// setting nor clearing the row moves it. Halting is always safe, so the server asks every module;
// clearing takes two security officers' statement, which each module checks and spends itself.

/** Ask every reachable module to hold the halt; a module out of reach is told when the server starts. */
export async function haltEveryModule(modules: ModulePool, reason: string): Promise<void> {
  await Promise.all(modules.modules.filter((m) => m.connected).map((m) => m.call('halt', { reason }).catch(() => undefined)));
}

/** Clear the halt on every reachable module; the officers it names, or the first module's refusal. */
export async function clearHaltEverywhere(modules: ModulePool, authorization: unknown): Promise<readonly string[]> {
  const reachable = modules.modules.filter((m) => m.connected);
  const answers = await Promise.allSettled(reachable.map((m) => m.call('clearHalt', { authorization })));
  const cleared = answers.find((a) => a.status === 'fulfilled');
  if (cleared?.status === 'fulfilled') return cleared.value.authorizedBy;
  const refused = answers.find((a) => a.status === 'rejected');
  if (refused?.status === 'rejected' && refused.reason instanceof VaultError) throw refused.reason;
  return fail('module_unavailable', 'no module is reachable to clear the halt');
}
