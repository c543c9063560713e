// A ship target in a local directory (typically a mounted backup volume). Each put is atomic and
// durable: temp file in the same directory, fsync, rename over the key, fsync the directory.

import { constants as fsc } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MAX_SHIP_LIST_KEYS, MAX_SHIP_OBJECT_BYTES } from '../../constants.js';

import { checkShipBytes, checkShipKey, checkShipPrefix, ShipTargetError, sortKeys, TEMP_FILE, writeFileAtomic, type ShipTarget } from '../../platform/index.js';

export interface DirectoryTargetOptions {
  /** Most keys one list returns before it fails (default MAX_SHIP_LIST_KEYS). */
  maxListKeys?: number;
  /** Largest object stored or read (default MAX_SHIP_OBJECT_BYTES). */
  maxObjectBytes?: number;
}

const PART = /^[A-Za-z0-9._~=+@,-]+$/;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class DirectoryTarget implements ShipTarget {
  readonly name: string;
  private readonly maxListKeys: number;
  private readonly maxObjectBytes: number;

  /** `root` must be an absolute path to a directory that exists when the target is used; it is never created, so an unmounted volume is an error, not an empty target. */
  constructor(
    readonly root: string,
    options: DirectoryTargetOptions = {},
  ) {
    this.name = `dir:${root}`;
    this.maxListKeys = options.maxListKeys ?? MAX_SHIP_LIST_KEYS;
    this.maxObjectBytes = options.maxObjectBytes ?? MAX_SHIP_OBJECT_BYTES;
  }

  private async checkRoot(): Promise<void> {
    let ok = false;
    try {
      ok = (await stat(this.root)).isDirectory();
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err;
    }
    if (!ok) throw new ShipTargetError(`${this.name}: the directory does not exist (is the backup volume mounted?)`);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    checkShipKey(key);
    checkShipBytes(key, bytes, this.maxObjectBytes);
    await this.checkRoot();
    const path = join(this.root, key);
    const parent = dirname(path);
    let created: string | undefined;
    try {
      created = await mkdir(parent, { recursive: true });
    } catch (err) {
      throw new ShipTargetError(`${this.name}: cannot create the directory for ${JSON.stringify(key)}: ${(err as Error).message}`, { cause: err });
    }
    if (created !== undefined) {
      // New directories are durable only once the directory holding each of them is synced.
      const dirs: string[] = [];
      for (let d = parent; ; d = dirname(d)) {
        dirs.unshift(dirname(d));
        if (d === created || dirname(d) === d) break;
      }
      for (const d of dirs) await fsyncDir(d);
    }
    try {
      await writeFileAtomic(path, bytes, 0o600, false);
    } catch (err) {
      throw new ShipTargetError(`${this.name}: cannot store ${JSON.stringify(key)}: ${(err as Error).message}`, { cause: err });
    }
  }

  async delete(key: string): Promise<void> {
    checkShipKey(key);
    await this.checkRoot();
    await rm(join(this.root, key), { force: true });
    await fsyncDir(dirname(join(this.root, key))).catch(() => undefined);
  }

  async get(key: string): Promise<Buffer | null> {
    checkShipKey(key);
    await this.checkRoot();
    let fh;
    try {
      fh = await open(join(this.root, key), fsc.O_RDONLY | fsc.O_NOFOLLOW);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw new ShipTargetError(`${this.name}: cannot read ${JSON.stringify(key)}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) return null;
      if (!st.isFile()) throw new ShipTargetError(`${this.name}: ${JSON.stringify(key)} is not a regular file`);
      if (st.size > this.maxObjectBytes)
        throw new ShipTargetError(`${this.name}: ${JSON.stringify(key)} is ${st.size} bytes, more than the limit of ${this.maxObjectBytes}`);
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkShipPrefix(prefix);
    await this.checkRoot();
    const keys: string[] = [];
    // Start at the deepest directory the prefix names in full; descend only where a key could still match.
    const start = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(join(this.root, rel), { withFileTypes: true });
      } catch (err) {
        if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
        throw err;
      }
      for (const entry of entries) {
        if (!PART.test(entry.name) || entry.name === '.' || entry.name.includes('..')) continue; // not a key this target wrote
        const name = rel + entry.name;
        if (entry.isDirectory()) {
          const sub = `${name}/`;
          if (sub.startsWith(prefix) || prefix.startsWith(sub)) await walk(sub);
        } else if (entry.isFile() && name.startsWith(prefix) && !TEMP_FILE.test(entry.name)) {
          keys.push(name);
          if (keys.length > this.maxListKeys) {
            throw new ShipTargetError(`${this.name}: more than ${this.maxListKeys} keys under ${JSON.stringify(prefix)}; list a narrower prefix`);
          }
        }
        // Symbolic links and other file types are never followed or listed.
      }
    };
    await walk(start);
    return sortKeys(keys);
  }
}
