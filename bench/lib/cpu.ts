import { readdir, readFile, readlink } from 'node:fs/promises';

const TICKS_PER_SEC = 100;

/**
 * CPU seconds (user + system) used so far, by role: `postgres` (every process of the PostgreSQL
 * binary), and `module`, `serve` and `start` (the Vaultmeter processes of this home).
 */
export async function cpuByRole(home: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
    let role: string | null = exe.endsWith('/postgres') ? 'postgres' : null;
    if (!role) {
      const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
      if (!env.includes(`VAULTMETER_HOME=${home}\0`)) continue;
      role = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[2] ?? 'other';
    }
    const stat = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ') ?? [];
    out[role] = (out[role] ?? 0) + (Number(stat[11] ?? 0) + Number(stat[12] ?? 0)) / TICKS_PER_SEC;
  }
  return out;
}

export function cpuDiff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) out[k] = Number((v - (before[k] ?? 0)).toFixed(2));
  return out;
}
