import { randomBytes } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Write to a temporary file, fsync it, rename over the target, then fsync the directory. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, ensureDir = true): Promise<void> {
  if (ensureDir) await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * A child of the supervisor (or of `recover`) stops when its parent is gone, even if the parent was
 * killed with SIGKILL and could not stop it: no module or server is left running unsupervised.
 */
export function exitWithParent(intervalMs = 1000): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, intervalMs).unref();
}
