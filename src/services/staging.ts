import pg from 'pg';
import { STAGING_ITEM_PAGE, STAGING_STATEMENT_TIMEOUT_MS } from '../constants.js';
import { fail } from '../errors.js';
import { decodeItem } from '../indicium/index.js';
import { buildWarehouse, stagingRepo, type LogPosition, type StagedItem, type VaultItem } from '../store/index.js';

// The staging subsystem (issue 18 item 3, docs/DSS.md): the nightly delta from the durable tables
// into `staging`, stripped of every secret, and the load of the decision-support warehouse. One run
// at a time (an advisory lock); the delta is one REPEATABLE READ transaction, so the copies and the
// new watermark come from one snapshot of the vault.

export type StagingProgress = (what: string, done: number, total: number) => void;

export interface DeltaResult {
  readonly from: LogPosition;
  readonly to: LogPosition;
  /** No usable watermark (a first run, or a log behind it): every meter was copied. */
  readonly fullCopy: boolean;
  /** Meters whose items were re-copied; -1 on a full copy (all). */
  readonly metersTouched: number;
  readonly itemsRead: number;
  /** Rows inserted, changed or deleted in staging, per table. Zero everywhere when nothing changed. */
  readonly changed: Record<string, number>;
  readonly rowsChanged: number;
  readonly ms: number;
}

export interface LoadResult {
  readonly rows: Record<string, number>;
  readonly ms: number;
}

/** An item as staging keeps it: what its signed bytes say (class, zone, ZIPs), never the bytes. */
export function stagedItem(i: VaultItem): StagedItem {
  let data: ReturnType<typeof decodeItem>['data'] | null;
  try {
    data = decodeItem(i.itemBytes, { canonical: false }).data; // stored after the print checked it
  } catch {
    data = null; // kept with its amounts; the reports count it without class or zone
  }
  const p = data?.kind === 'postage' ? data.postage : null;
  return {
    itemId: i.itemId,
    meterId: i.meterId,
    itemSerial: i.itemSerial,
    kind: i.kind,
    amountMills: i.amountMills,
    createdAt: i.createdAt,
    refundedAt: i.refundedAt,
    test: data?.test === true,
    rateCategory: p?.rateCategory ?? null,
    mailClass: p ? p.rateCategory.split('-')[0]! : null,
    zone: p?.rated?.zone ?? null,
    originZip: p?.originZip ?? null,
    destZip5: p ? p.destination.slice(0, 5) : null,
    weightTenthOz: p?.weightTenthOz ?? null,
  };
}

/** A watermark is usable when a delta wrote it and every log it names is still at or past it (else the database was rewound under staging). */
function usable(ran: boolean, from: LogPosition, heads: readonly { logId: string; seq: bigint }[]): boolean {
  if (!ran) return false;
  return Object.entries(from).every(([logId, seq]) => {
    const head = heads.find((h) => h.logId === logId);
    return head !== undefined && head.seq >= BigInt(seq);
  });
}

/**
 * The delta, as the owner role: take the log heads of this snapshot as the new watermark; re-copy
 * the items of every meter a log record after the old watermark names (all items when there is no
 * usable watermark); make the other staging tables equal the vault's by comparison; store the
 * watermark; all in one transaction. Upserts leave equal rows alone, so a second run changes nothing.
 */
export async function runDelta(client: pg.ClientBase, progress: StagingProgress = () => {}): Promise<DeltaResult> {
  const t0 = Date.now();
  const startedAt = new Date();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    await client.query(`SET LOCAL statement_timeout = ${STAGING_STATEMENT_TIMEOUT_MS}`);
    const heads = await stagingRepo.logHeads(client);
    const from = await stagingRepo.watermarks(client);
    const fullCopy = !usable(await stagingRepo.hasDeltas(client), from, heads);
    const meters = fullCopy
      ? null
      : await stagingRepo.metersTouchedSince(
          client,
          heads.map((h) => h.logId).filter((l) => !(l in from)),
        );
    const changed: Record<string, number> = { 'staging.items': 0 };
    let itemsRead = 0;
    if (meters === null || meters.length > 0) {
      let after = '';
      for (;;) {
        const page = await stagingRepo.itemsPage(client, meters, after, STAGING_ITEM_PAGE);
        changed['staging.items']! += await stagingRepo.upsertItems(client, page.map(stagedItem));
        itemsRead += page.length;
        progress('staging items', itemsRead, itemsRead + (page.length === STAGING_ITEM_PAGE ? STAGING_ITEM_PAGE : 0));
        if (page.length < STAGING_ITEM_PAGE) break;
        after = page[page.length - 1]!.itemId;
      }
      changed['staging.items']! += await stagingRepo.dropVanishedItems(client, meters);
    }
    for (const [i, table] of stagingRepo.COMPARED_TABLES.entries()) {
      progress('staging compared tables', i, stagingRepo.COMPARED_TABLES.length);
      changed[table] = await stagingRepo.syncCompared(client, table);
    }
    progress('staging compared tables', stagingRepo.COMPARED_TABLES.length, stagingRepo.COMPARED_TABLES.length);
    await stagingRepo.setWatermarks(client, heads);
    const to = Object.fromEntries(heads.map((h) => [h.logId, h.seq.toString()]));
    const rowsChanged = Object.values(changed).reduce((a, b) => a + b, 0);
    const metersTouched = meters?.length ?? -1;
    await stagingRepo.recordDelta(client, { startedAt, from, to, fullCopy, metersTouched: Math.max(metersTouched, 0), rowsChanged });
    await client.query('COMMIT');
    return { from, to, fullCopy, metersTouched: meters === null ? -1 : meters.length, itemsRead, changed, rowsChanged, ms: Date.now() - t0 };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** The warehouse load, as vaultmeter_dss: rebuild the DuckDB file from staging (src/store/warehouse.ts). */
export async function loadWarehouse(dssUrl: string, file: string, progress: StagingProgress = () => {}): Promise<LoadResult> {
  const t0 = Date.now();
  const client = new pg.Client({ connectionString: dssUrl });
  await client.connect();
  try {
    // One snapshot of staging for the whole load, read-only.
    await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`);
    await client.query(`SET LOCAL statement_timeout = ${STAGING_STATEMENT_TIMEOUT_MS}`);
    const rows = await buildWarehouse(client, file, (table, n) => progress(`loading ${table}`, n, n));
    await client.query('COMMIT');
    return { rows, ms: Date.now() - t0 };
  } finally {
    await client.end();
  }
}

export interface StagingRun {
  readonly delta: DeltaResult;
  readonly load: LoadResult;
}

/** `vaultmeter staging run`: the delta then the load, under the staging lock (`staging_busy` when another run holds it). */
export async function runStaging(o: { ownerUrl: string; dssUrl: string; warehouseFile: string; progress?: StagingProgress }): Promise<StagingRun> {
  const client = new pg.Client({ connectionString: o.ownerUrl });
  await client.connect();
  try {
    if (!(await stagingRepo.tryLockStaging(client))) fail('staging_busy');
    try {
      const delta = await runDelta(client, o.progress);
      const load = await loadWarehouse(o.dssUrl, o.warehouseFile, o.progress);
      return { delta, load };
    } finally {
      await stagingRepo.unlockStaging(client).catch(() => {});
    }
  } finally {
    await client.end();
  }
}
