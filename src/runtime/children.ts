import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI_ENTRY = fileURLToPath(new URL('../../bin/vaultmeter.js', import.meta.url));

export interface SpawnedChild {
  readonly child: ChildProcess;
  /** The JSON the child printed on its first stdout line ({"ready": true, ...}). */
  readonly ready: Record<string, unknown>;
}

/** Start `vaultmeter <args>` as its own process and wait for its ready line. */
export function spawnVaultmeter(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; stdin?: string; timeoutMs: number; onStderr: (line: string) => void },
): Promise<SpawnedChild> {
  // VAULTMETER_CHILD_NODE_ARGS passes Node flags to the children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.VAULTMETER_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI_ENTRY, ...args], { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(opts.stdin ?? '');
  createInterface({ input: child.stderr! }).on('line', opts.onStderr);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vaultmeter ${args[0]} did not become ready in ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({ child, ready: JSON.parse(line) as Record<string, unknown> });
      } catch {
        reject(new Error(`vaultmeter ${args[0]} printed an unexpected first line: ${line}`));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`vaultmeter ${args[0]} exited (${code ?? signal}) before it was ready`));
    });
  });
}

export function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
