import { paths, createDevPassphrase, type InitResult } from '../../runtime/index.js';

export const log = (line: string) => process.stderr.write(`${line}\n`);

export async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]!.trim();
}

/** The passphrase for a new installation, and where it is kept. */
export async function choosePassphrase(home: string, fromStdin: boolean): Promise<{ passphrase: string; kept: string }> {
  if (fromStdin) return { passphrase: await readStdinLine(), kept: 'only where you keep it (read from stdin)' };
  if (process.env.VAULTMETER_PASSPHRASE) return { passphrase: process.env.VAULTMETER_PASSPHRASE, kept: 'in VAULTMETER_PASSPHRASE' };
  return { passphrase: await createDevPassphrase(home), kept: `${paths(home).devPassphrase} (development only: mode 0600)` };
}

export function describeInit(r: InitResult, kept: string): string {
  return [
    `Installation created in ${r.home}`,
    `  modules: ${r.modules.join(', ')}`,
    `  CA certificate: ${r.caCertPath}`,
    `  passphrase: ${kept}`,
    `Two security officers (passwords shown once; give each officer their own password and key file, then delete the files here):`,
    ...[r.officer, r.secondOfficer].flatMap((o) => [`  user:     ${o.user}`, `  password: ${o.password}`, `  key file: ${o.keyFile}`]),
  ].join('\n');
}
