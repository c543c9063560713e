import { exitWithParent } from '../platform/index.js';
import { readKeystore } from './keystore.js';
import { startModuleServer } from './server.js';

export interface RunModuleOptions {
  readonly keystorePath: string;
  readonly socketPath: string;
  readonly ringPath: string;
  readonly ringSize: number;
  readonly refundWindowDays: number;
  readonly auditIntervalDays: number;
  readonly achHoldHours?: number;
}

/**
 * Entry point of the module process. The passphrase arrives on stdin (from the supervisor) or, in
 * development only, from VAULTMETER_PASSPHRASE; it never appears in argv.
 */
export async function runModule(opts: RunModuleOptions): Promise<void> {
  const passphrase = await readPassphrase();
  const keystore = await readKeystore(opts.keystorePath, passphrase);
  const log = (line: string) => process.stderr.write(`[module ${keystore.identity.serial}] ${line}\n`);
  exitWithParent();
  const server = await startModuleServer({ ...opts, keystore, log });
  // The supervisor waits for this line.
  process.stdout.write(`${JSON.stringify({ ready: true, serial: keystore.identity.serial, socket: opts.socketPath })}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function readPassphrase(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const fromStdin = Buffer.concat(chunks).toString('utf8').split('\n')[0]!.trim();
    if (fromStdin) return fromStdin;
  }
  const fromEnv = process.env.VAULTMETER_PASSPHRASE;
  if (fromEnv) return fromEnv;
  throw new Error('no passphrase: pipe it on stdin, or set VAULTMETER_PASSPHRASE in development');
}
