import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, VaultError } from '../../errors.js';
import { MAX_ACH_FILE_ENTRIES, MAX_ACH_FILES_PER_RUN } from '../../constants.js';
import type { AchFileHeaderWire, BuildAchFileResult } from '../../module/index.js';
import { writeFileAtomic } from '../../platform/index.js';
import { repo } from '../../store/index.js';
import type { ServiceContext } from '../context.js';
import { logChange, logEffects } from '../logged.js';
import type { AchConfig } from './ach-config.js';

// The daily NACHA file. Filing is logged first (`ach_file_created`: which requests, which trace
// numbers), then a module opens the sealed account numbers and builds the file, which is written
// to the bank outbox, then `ach_file_delivered` records its SHA-256. A crash between the two leaves
// a created, undelivered file: the next run rebuilds exactly the same entries and delivers it. So a
// request is in one file only, and never debited twice.

export interface AchFileView {
  readonly fileId: string;
  readonly fileName: string;
  readonly entryCount: number;
  readonly totalMills: string;
  readonly sha256: string;
  readonly signer: string;
  readonly development: boolean;
}

const MODIFIERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** File requests waiting to be filed (up to MAX_ACH_FILES_PER_RUN files), after delivering any file left undelivered. */
export async function fileAch(ctx: ServiceContext, config: AchConfig, now = new Date()): Promise<AchFileView[]> {
  const out: AchFileView[] = [];
  for (const f of await repo.undeliveredAchFiles(ctx.db)) out.push(await deliver(ctx, config, f));
  for (let n = 0; n < MAX_ACH_FILES_PER_RUN; n++) {
    const fileId = await createFile(ctx, config, now);
    if (!fileId) break;
    const [created] = (await repo.undeliveredAchFiles(ctx.db)).filter((f) => f.fileId === fileId);
    if (created) out.push(await deliver(ctx, config, created));
  }
  return out;
}

/** Log the next file's requests and trace numbers; null when nothing waits. */
async function createFile(ctx: ServiceContext, config: AchConfig, now: Date): Promise<string | null> {
  if (!(await repo.requestsToFile(ctx.db, 1)).length) return null;
  const odfi = config.odfi.slice(0, 8);
  const fileId = randomUUID();
  // One key for every filing: two runs never share a batch, and the second sees the first's requests filed.
  return logChange<string | null>(ctx, {
    key: 'ach-filing',
    effects: async ({ tx }) => {
      const rows = await repo.requestsToFile(tx, MAX_ACH_FILE_ENTRIES);
      // Another server filed them since the look above.
      if (!rows.length) fail('not_found', 'no funding request waits to be filed');
      const firstSequence = await repo.nextTraceSequence(tx, odfi);
      return [{ kind: 'ach_file_created', fileId, createdAt: now.toISOString(), odfi, firstSequence, requestIds: rows.map((r) => r.requestId) }];
    },
    answer: () => fileId,
  }).catch((e: unknown) => {
    if (e instanceof VaultError && e.code === 'not_found') return null;
    throw e;
  });
}

function header(config: AchConfig, f: repo.AchFileRow, modifier: string): AchFileHeaderWire {
  return {
    immediateDestination: config.destination,
    immediateOrigin: config.companyId,
    destinationName: config.destinationName,
    originName: config.originName,
    companyName: config.companyName,
    companyId: config.companyId,
    entryDescription: 'POSTAGE',
    odfi: config.odfi,
    effectiveDate: nextDay(f.createdAt),
    fileIdModifier: modifier,
    createdAt: f.createdAt.toISOString(),
  };
}

/** The effective entry date: the next day after the file is created (UTC). */
function nextDay(d: Date): string {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString().slice(0, 10);
}

/** Build the file from its logged entries in a module, write it and its signature, and record its digest. */
async function deliver(ctx: ServiceContext, config: AchConfig, f: repo.AchFileRow): Promise<AchFileView> {
  const entries = await repo.fileEntries(ctx.db, f.fileId);
  const day = f.createdAt.toISOString().slice(0, 10);
  const modifier = MODIFIERS[(await repo.achFilesBefore(ctx.db, f)) % MODIFIERS.length]!;
  const built: BuildAchFileResult = await ctx.modules.anyConnected().call('buildAchFile', {
    header: header(config, f, modifier),
    entries: entries.map((e) => ({
      username: e.username,
      meterId: e.meterId,
      requestId: e.requestId,
      debitAuthorization: e.debitAuthorization.toString('base64'),
      bankAccountId: e.bankAccountId,
      sealedBase64: e.sealed.toString('base64'),
      routing: e.routing,
      accountType: e.accountType,
      holderName: e.holderName,
      individualId: e.requestId.slice(0, 15),
      amountMills: e.amountMills.toString(),
      traceNumber: e.traceNumber,
    })),
  });
  const fileName = `ach-${day}-${modifier}-${f.fileId}.txt`;
  const signature = {
    fileId: f.fileId,
    fileName,
    sha256: built.sha256Hex,
    entryCount: built.entryCount,
    totalMills: built.totalMills,
    signer: built.signer,
    signatureDerHex: built.signatureDerHex,
    development: config.development,
  };
  try {
    await mkdir(config.outboxDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(config.outboxDir, fileName), built.text);
    await writeFileAtomic(join(config.outboxDir, `${fileName}.sig.json`), `${JSON.stringify(signature, null, 2)}\n`);
  } catch (e) {
    // The file stays created and undelivered: the next run rebuilds exactly these entries.
    fail('bank_outbox_unwritable', `cannot write to the bank outbox ${config.outboxDir}: ${(e as Error).message}; the file is delivered on the next run`);
  }
  await logEffects(ctx, [{ kind: 'ach_file_delivered', fileId: f.fileId, sha256: built.sha256Hex, target: fileName }]);
  return {
    fileId: f.fileId,
    fileName,
    entryCount: built.entryCount,
    totalMills: built.totalMills,
    sha256: built.sha256Hex,
    signer: built.signer,
    development: config.development,
  };
}
