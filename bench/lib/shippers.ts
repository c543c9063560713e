import { readdir, readFile } from 'node:fs/promises';

/** The pids of the `vaultmeter ship` process(es) of the installation at `home` (any build's bin/vaultmeter.js). */
export async function shipperPids(home: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmd.includes('vaultmeter.js\0ship\0') && !cmd.endsWith('vaultmeter.js\0ship')) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (env.includes(`VAULTMETER_HOME=${home}\0`)) pids.push(Number(pid));
  }
  return pids;
}

/**
 * Freeze (SIGSTOP) or thaw (SIGCONT) shipper processes this benchmark started, by pid: the shipper of
 * a system not being measured would otherwise cut and ship its backlog under another system's slice.
 */
export function signalPids(pids: readonly number[], signal: 'SIGSTOP' | 'SIGCONT'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone: the supervisor restarts it under a new pid, found again before the next slice */
    }
  }
}
