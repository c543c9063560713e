import { readFile } from 'node:fs/promises';
import { MAX_REMOVED_OFFICERS } from '../constants.js';
import { fail } from '../errors.js';
import { writeFileAtomic } from '../platform/index.js';
import type { RemovedOfficer } from './messages.js';
import { checkOfficerAuthorization, useOfficerRemovals } from './officer-check.js';
import type { OfficerDesk } from './officer-desk.js';

// Officers removed from the installation (issue 11 item 1). Two security officers sign
// `remove_officer` for a name; every module keeps the removal on its own disk with their statement,
// checks the statement again whenever it loads it, and from then on refuses every signature by a
// certificate of that name (`officer_revoked`). Nothing the API server or the database says
// brings an officer back: a removed name stays removed (a new officer gets a new name).

interface StoredRemoval {
  readonly user: string;
  readonly removedAtMs: number;
  readonly authorization: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A module's removals sit beside its ring and journal. */
export function removalsFileOf(ringPath: string): string {
  return `${ringPath}.officer-removals.json`;
}

export class OfficerRemovals {
  private readonly removed = new Map<string, StoredRemoval>();

  private constructor(
    private readonly file: string,
    private readonly caCertPem: string,
  ) {}

  /**
   * Loads the file; a removal whose statement fails is reported loudly and still kept (refusing more
   * is the safe side). A file that does not parse stops the module from starting: skipping it, as a
   * bad rate bundle is skipped, would forget every removal.
   */
  static async load(file: string, caCertPem: string, log: (line: string) => void): Promise<OfficerRemovals> {
    const store = new OfficerRemovals(file, caCertPem);
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '[]' : Promise.reject(e)));
    const list = JSON.parse(text) as unknown;
    if (!Array.isArray(list)) throw new Error(`${file} is not a list of officer removals`);
    for (const r of list as StoredRemoval[]) {
      if (!isObject(r) || typeof r.user !== 'string' || typeof r.removedAtMs !== 'number') throw new Error(`${file} holds a malformed removal`);
      try {
        signedAtRemoval(caCertPem, r);
      } catch (e) {
        log(`ALARM: the removal of officer ${r.user} does not check (${(e as Error).message}); the officer stays removed`);
      }
      store.removed.set(r.user, r);
    }
    useOfficerRemovals((user) => store.removed.get(user)?.removedAtMs);
    return store;
  }

  list(): RemovedOfficer[] {
    return [...this.removed.values()].map((r) => ({ user: r.user, removedAt: new Date(r.removedAtMs).toISOString() }));
  }

  /** Two security officers' statement for this name, checked and spent; kept on disk before it is answered. */
  async remove(desk: OfficerDesk, user: string, authorization: unknown, nowMs: number): Promise<RemovedOfficer & { removed: boolean; authorizedBy: string[] }> {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(user)) fail('invalid_request', 'bad officer user name');
    const officers = desk.dualControl(authorization, 'remove_officer', { user });
    const authorizedBy = officers.map((o) => o.user);
    const known = this.removed.get(user);
    if (known) return { user, removedAt: new Date(known.removedAtMs).toISOString(), removed: false, authorizedBy };
    if (this.removed.size >= MAX_REMOVED_OFFICERS) fail('rate_limited', `the module keeps at most ${MAX_REMOVED_OFFICERS} officer removals`);
    const entry: StoredRemoval = { user, removedAtMs: nowMs, authorization };
    await writeFileAtomic(this.file, JSON.stringify([...this.removed.values(), entry]));
    this.removed.set(user, entry);
    return { user, removedAt: new Date(nowMs).toISOString(), removed: true, authorizedBy };
  }
}

/** Two security officers signed this removal, with certificates good when they signed, before it took effect. */
function signedAtRemoval(caCertPem: string, r: StoredRemoval) {
  const statement = isObject(r.authorization) && isObject(r.authorization.statement) ? r.authorization.statement : {};
  const signedAtMs = typeof statement.timeMs === 'number' && statement.timeMs <= r.removedAtMs ? statement.timeMs : NaN;
  return checkOfficerAuthorization(caCertPem, r.authorization, {
    act: 'remove_officer',
    params: { user: r.user },
    roles: ['security_officer'],
    signers: 2,
    nowMs: signedAtMs,
  });
}
