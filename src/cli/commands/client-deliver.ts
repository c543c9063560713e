import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatMills } from '../../money.js';
import { ProfileError, type PrintedItem } from '../../sdk/index.js';
import { keepItem } from '../item-store.js';
import type { PrinterChoice } from '../labels.js';
import { type OutputOpts, outputPaths, writeOutputs } from './client-options.js';

// An item is paid for the moment the module signs it, so where it goes is checked before the request
// (the common mistakes then cost nothing), and it is kept in the client's store before --out is
// written (the rare failure after the debit then loses nothing).

const why = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Before anything is sent: --out's directory exists and is writable, and no output path is a directory. */
export async function checkOutputs(o: OutputOpts, printer: PrinterChoice | null): Promise<void> {
  const dir = dirname(resolve(o.out));
  const refuse = (reason: string) => new ProfileError('out_unwritable', `cannot write ${o.out}: ${reason}; nothing was sent`, { out: o.out });
  const d = await stat(dir).catch(() => null);
  if (!d) throw refuse(`the directory ${dir} does not exist`);
  if (!d.isDirectory()) throw refuse(`${dir} is not a directory`);
  if (
    !(await access(dir, constants.W_OK | constants.X_OK).then(
      () => true,
      () => false,
    ))
  )
    throw refuse(`the directory ${dir} is not writable`);
  for (const path of outputPaths(o.out, printer)) {
    const f = await stat(path).catch(() => null);
    if (f?.isDirectory()) throw refuse(`${path} is a directory`);
    if (
      f &&
      !(await access(path, constants.W_OK).then(
        () => true,
        () => false,
      ))
    )
      throw refuse(`${path} is not writable`);
  }
}

/** Keep the item, then write it where the user asked; a failure names the item, its value and where it is kept. */
export async function keepAndWrite(user: string, o: OutputOpts, printer: PrinterChoice | null, item: PrintedItem): Promise<Record<string, string | null>> {
  let keptFile: string | null = null;
  let keepError: unknown = null;
  try {
    keptFile = await keepItem(user, item.itemId, item.itemBytes);
  } catch (e) {
    keepError = e;
  }
  let files: Record<string, string>;
  try {
    files = await writeOutputs(o, printer, item.itemBytes);
  } catch (e) {
    throw notWritten(user, o.out, item, keptFile, e, keepError);
  }
  if (keepError) process.stderr.write(`warning: item ${item.itemId} could not be kept in the client's store (${why(keepError)}); ${o.out} is its only copy\n`);
  return { ...files, keptFile };
}

function notWritten(user: string, out: string, item: PrintedItem, keptFile: string | null, e: unknown, keepError: unknown): ProfileError {
  const head = `item ${item.itemId} for $${formatMills(item.amountMills)} was paid for, but ${out} could not be written (${why(e)}).`;
  const extra = { itemId: item.itemId, amountMills: item.amountMills.toString(), keptFile };
  if (keptFile) {
    const how = `vaultmeter client items --user ${user} --export ${item.itemId} --out FILE`;
    return new ProfileError('item_not_written', `${head} It is kept in ${keptFile}; write it out with \`${how}\`. Do not print it again.`, extra);
  }
  // Neither copy could be written: the bytes on the terminal are the last copy there is.
  const b64 = item.itemBytes.toString('base64');
  return new ProfileError(
    'item_not_written',
    `${head} It could not be kept in the client's store either (${why(keepError)}). Save these item bytes (base64): ${b64}`,
    { ...extra, itemBase64: b64 },
  );
}
