import { readdir, readFile } from 'node:fs/promises';

/** The pids of the installation at `home` running `vaultmeter <command>` (`module`, `serve`, `ship`; any build's bin/vaultmeter.js). */
export async function vaultmeterPids(home: string, command: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmd.includes(`vaultmeter.js\0${command}\0`)) continue;
    const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (env.includes(`VAULTMETER_HOME=${home}\0`)) pids.push(Number(pid));
  }
  return pids;
}

/** The pids of the `vaultmeter ship` process(es) of the installation at `home`. */
export function shipperPids(home: string): Promise<number[]> {
  return vaultmeterPids(home, 'ship');
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
