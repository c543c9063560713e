import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';

/**
 * s3rver in a child process: it makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
 * through its legacy provider, and Node enables that only by a start-up flag. The child exits when our stdin closes.
 */
const S3RVER_MAIN = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: Number(process.argv[4] || 0), silent: true, directory: process.argv[2], configureBuckets: [{ name: process.argv[3], configs: [] }] });
server.run().then((a) => process.stdout.write(JSON.stringify({ port: a.port }) + '\\n'), (e) => { console.error(e); process.exit(1); });
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
`;

export interface S3rverProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
}

/**
 * Start s3rver keeping its objects in `directory`, with `bucket` created (an existing one is kept).
 * `port` 0 (the default) takes any free port; pass the earlier port to restart a stopped server in place.
 */
export async function startS3rver(directory: string, bucket: string, port = 0): Promise<S3rverProcess> {
  const main = createRequire(import.meta.url).resolve('s3rver');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', S3RVER_MAIN, main, directory, bucket, String(port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  try {
    const got = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000);
      child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    return { child, port: got, endpoint: `http://127.0.0.1:${got}` };
  } catch (err) {
    child.kill();
    throw err;
  }
}

/** Close s3rver (it closes on the end of its stdin), killing it if it has not exited within 5 s. */
export async function stopS3rver(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A ship target spec for a bucket (and prefix) on a local s3rver, with its fixed test credentials. */
export function s3rverSpec(endpoint: string, bucket: string, prefix = ''): string {
  const path = prefix ? `/${prefix}` : '';
  return `s3://${bucket}${path}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true&accessKeyId=S3RVER&secretAccessKey=S3RVER`;
}
