import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = '.bench-built';

/** Another revision's build, to run side by side with this checkout's. */
export interface BaselineBuild {
  readonly rev: string;
  readonly sha: string;
  readonly dir: string;
  /** Its `bin/vaultmeter.js`, for startBenchSystem's `cli` option. */
  readonly cli: string;
  /** Built by an earlier run (the cache directory held a finished build). */
  readonly cached: boolean;
  /** Dependencies that differ between the revision's package.json and this checkout's (the build uses this checkout's node_modules). */
  readonly dependencyDrift: string[];
}

/** The commit a revision names in this repository. */
export async function resolveRev(rev: string): Promise<string> {
  const { stdout } = await exec('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: ROOT });
  return stdout.trim();
}

/** This checkout: its HEAD and whether the work tree has changes (the build under test includes them). */
export async function checkoutState(): Promise<{ sha: string; dirty: boolean }> {
  const sha = await resolveRev('HEAD');
  const { stdout } = await exec('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT });
  return { sha, dirty: stdout.trim().length > 0 };
}

/**
 * Build `rev` once into a cache directory (BENCH_BASELINE_DIR, else one per commit under the temporary
 * directory): its tree from `git archive`, this checkout's node_modules linked in, compiled with its own
 * tsconfig.build.json. A later run finds the finished build and reuses it. The repository itself is
 * not touched (no worktree, no checkout).
 */
export async function buildBaseline(rev: string, log: (m: string) => void): Promise<BaselineBuild> {
  const sha = await resolveRev(rev);
  const dir = process.env.BENCH_BASELINE_DIR || join(tmpdir(), `vaultmeter-bench-baseline-${sha.slice(0, 12)}`);
  const cli = join(dir, 'bin', 'vaultmeter.js');
  const dependencyDrift = await drift(sha);
  const marker = join(dir, BUILT);
  if (existsSync(marker) && (await readFile(marker, 'utf8')).trim() === sha && existsSync(join(dir, 'dist', 'cli', 'main.js'))) {
    return { rev, sha, dir, cli, cached: true, dependencyDrift };
  }
  log(`  building the baseline ${rev} (${sha.slice(0, 12)}) into ${dir}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await exec('bash', ['-c', 'set -o pipefail; git archive --format=tar "$1" | tar -x -C "$2"', 'archive', sha, dir], { cwd: ROOT, maxBuffer: 1 << 20 });
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await exec(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, maxBuffer: 16 << 20 });
  await writeFile(marker, `${sha}\n`);
  return { rev, sha, dir, cli, cached: false, dependencyDrift };
}

/** Dependencies whose version ranges differ between `sha`'s package.json and this checkout's. */
async function drift(sha: string): Promise<string[]> {
  type Pkg = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const then = JSON.parse((await exec('git', ['show', `${sha}:package.json`], { cwd: ROOT, maxBuffer: 1 << 20 })).stdout) as Pkg;
  const now = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Pkg;
  const all = (p: Pkg) => ({ ...p.devDependencies, ...p.dependencies });
  const a = all(then);
  const b = all(now);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).map((k) => `${k}: ${a[k] ?? '-'} → ${b[k] ?? '-'}`);
}
