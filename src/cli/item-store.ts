import { chmod, mkdir, open, opendir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { MAX_CLIENT_ITEM_FILE_BYTES, MAX_CLIENT_ITEMS_KEPT } from '../constants.js';
import { itemIdOf } from '../crypto/index.js';
import { decodeItem, type ItemKind } from '../indicium/index.js';
import { writeFileAtomic } from '../platform/index.js';
import { ProfileError } from '../sdk/index.js';
import { clientHome } from './profile.js';

// The client's own copy of every item it paid for, kept before the item is written anywhere the
// user chose: a --out that fails after the meter was debited (a full disk, a directory removed
// meanwhile) then loses nothing. A kept file is the item's bytes as the module signed them, so
// `vaultmeter verify FILE` reads it as it is; its name (time kept, item id) orders the listing
// without opening every file.

export interface KeptItem {
  readonly itemId: string;
  readonly kind: ItemKind;
  readonly amountMills: bigint;
  readonly meterId: string;
  readonly itemSerial: bigint;
  /** Mailing or issue date, from the item. */
  readonly date: string;
  readonly keptAt: string;
  readonly file: string;
}

/** A file in the store that is not a readable kept item: listed so the user can look, never dropped silently. */
export interface KeptProblem {
  readonly file: string;
  readonly reason: string;
}

export interface KeptPage {
  /** Kept items in the store (newest first), of which this page shows `items`. */
  readonly total: number;
  readonly offset: number;
  readonly items: KeptItem[];
  readonly problems: KeptProblem[];
}

const NAME = /^(\d{8}T\d{9}Z)-([0-9a-f]{32})\.item$/;

export function itemsDir(user: string): string {
  return join(clientHome(), 'items', encodeURIComponent(user));
}

const stampOf = (d: Date) => d.toISOString().replace(/[-:.]/g, '');
const timeOf = (s: string) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;

async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** The user's item directory, 0700; a directory made here is fsynced into its parent, so a kept file cannot vanish with it. */
async function ensureDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (!first) return;
  const made = relative(dirname(first), dir).split(sep);
  for (let i = 0; i < made.length; i++) await syncDir(join(dirname(first), ...made.slice(0, i)));
}

/** Keep an item the meter was debited for (temp file, fsync, rename, fsync of the directory); returns where. */
export async function keepItem(user: string, itemId: string, itemBytes: Uint8Array, now = new Date()): Promise<string> {
  if (!/^[0-9a-f]{32}$/.test(itemId)) throw new ProfileError('invalid_request', `not an item id: ${itemId}`);
  const dir = itemsDir(user);
  await ensureDir(dir);
  const file = join(dir, `${stampOf(now)}-${itemId}.item`);
  await writeFileAtomic(file, itemBytes, 0o600, false);
  return file;
}

/** The names of the kept items, newest first, and the files that are not kept items. */
async function scan(user: string): Promise<{ names: string[]; strays: KeptProblem[] }> {
  const dir = itemsDir(user);
  const names: string[] = [];
  const strays: KeptProblem[] = [];
  let handle;
  try {
    handle = await opendir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { names, strays };
    throw e;
  }
  for await (const entry of handle) {
    if (names.length + strays.length >= MAX_CLIENT_ITEMS_KEPT)
      throw new ProfileError('error', `more than ${MAX_CLIENT_ITEMS_KEPT} files in ${dir}: move older items elsewhere`);
    if (NAME.test(entry.name)) names.push(entry.name);
    else
      strays.push({
        file: join(dir, entry.name),
        reason: entry.name.endsWith('.tmp') ? 'an interrupted write (not renamed into place)' : 'not a kept item name',
      });
  }
  return { names: names.sort().reverse(), strays };
}

/** Open one kept file; a file that is not the item its name says is a problem, not an item. */
async function readKept(user: string, name: string): Promise<{ item: KeptItem; bytes: Buffer } | KeptProblem> {
  const file = join(itemsDir(user), name);
  const [, stamp, itemId] = NAME.exec(name)!;
  try {
    if ((await stat(file)).size > MAX_CLIENT_ITEM_FILE_BYTES) return { file, reason: `larger than ${MAX_CLIENT_ITEM_FILE_BYTES} bytes: not an item` };
    const bytes = await readFile(file);
    const { data, signedBytes } = decodeItem(bytes);
    if (itemIdOf(signedBytes) !== itemId) return { file, reason: `its bytes are not item ${itemId}` };
    const item = { itemId: itemId!, kind: data.kind, amountMills: data.valueMills, meterId: data.meterId, itemSerial: data.itemSerial, date: data.date };
    return { item: { ...item, keptAt: timeOf(stamp!), file }, bytes };
  } catch (e) {
    return { file, reason: (e as Error).message };
  }
}

/** One page of the kept items, newest first; only the page's files are opened. */
export async function listKept(user: string, page: { limit: number; offset: number }): Promise<KeptPage> {
  const { names, strays } = await scan(user);
  const items: KeptItem[] = [];
  const problems = [...strays];
  for (const name of names.slice(page.offset, page.offset + page.limit)) {
    const r = await readKept(user, name);
    if ('reason' in r) problems.push(r);
    else items.push(r.item);
  }
  return { total: names.length, offset: page.offset, items, problems };
}

/** A kept item and its bytes, by id; null when none is kept. */
export async function findKept(user: string, itemId: string): Promise<{ item: KeptItem; bytes: Buffer } | null> {
  const name = (await scan(user)).names.find((n) => n.endsWith(`-${itemId}.item`));
  if (!name) return null;
  const r = await readKept(user, name);
  if ('reason' in r) throw new ProfileError('error', `${r.file}: ${r.reason}`);
  return r;
}
