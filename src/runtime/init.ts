import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MODULE_CERT_LIFETIME_DAYS } from '../constants.js';
import { createAuthority, issueCertificate, newCertSerialHex, newDomainKeys, ratesDirOf, writeKeystore } from '../module/index.js';
import { installAtInit, readRateBundles } from './rate-files.js';
import { certifyBootstrapOfficer, insertBootstrapOfficers, type BootstrapOfficer } from './bootstrap-officers.js';
import { openDatabase } from './database.js';
import { writeFileAtomic } from '../platform/index.js';
import { isInitialised, paths, writeConfig, type InstallationConfig } from './home.js';

export interface InitOptions {
  readonly home: string;
  readonly passphrase: string;
  readonly moduleCount: number;
  readonly officerUser: string;
  /** The second security officer: dual control needs two from the start. */
  readonly secondOfficerUser: string;
  readonly installationName: string;
  /** Rate tables to install (a directory of table files), or null for an unrated installation. */
  readonly ratesDir: string | null;
  readonly log: (line: string) => void;
}

export interface InitResult {
  readonly officer: BootstrapOfficer;
  readonly secondOfficer: BootstrapOfficer;
  readonly home: string;
  readonly caCertPath: string;
  readonly modules: readonly string[];
}

/** Create an installation: CA, security-domain keys, one sealed keystore per module, database, first officer. */
export async function initInstallation(opts: InitOptions): Promise<InitResult> {
  if (isInitialised(opts.home)) throw new Error(`${opts.home} already holds an installation (config.json exists)`);
  const p = paths(opts.home);
  // 0711: when run as root, PostgreSQL (its own user) must traverse the home to reach its data directory.
  await mkdir(opts.home, { recursive: true, mode: 0o711 });
  const now = new Date();
  opts.log('creating the installation CA and the security-domain keys');
  const ca = await createAuthority(opts.installationName, now);
  const domain = newDomainKeys(ca.privatePkcs8, ca.certPem, opts.ratesDir !== null);
  await mkdir(p.certsDir, { recursive: true });
  await writeFile(p.caCert, ca.certPem);
  const modules: { serial: string; keystore: string }[] = [];
  for (let i = 1; i <= opts.moduleCount; i++) {
    const serial = `VM-${randomBytes(4).toString('hex').toUpperCase()}`;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certPem = await issueCertificate(ca, {
      subject: `CN=module ${serial}, O=Vaultmeter`,
      publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + MODULE_CERT_LIFETIME_DAYS * 86_400_000),
    });
    const keystore = join('modules', `module-${i}.keystore`);
    opts.log(`sealing keystore for module ${serial}`);
    await writeKeystore(
      join(opts.home, keystore),
      { domain, identity: { serial, privatePkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }), certPem } },
      opts.passphrase,
    );
    await writeFile(join(p.certsDir, `module-${serial}.pem`), certPem);
    modules.push({ serial, keystore });
  }
  const config: InstallationConfig = {
    format: 1,
    installationName: opts.installationName,
    createdAt: now.toISOString(),
    embedded: process.env.DATABASE_URL ? null : { port: await freePort(embeddedPort()), ownerPassword: randomBytes(18).toString('base64url') },
    appDbPassword: randomBytes(18).toString('base64url'),
    dssDbPassword: randomBytes(18).toString('base64url'),
    modules,
  };
  if (opts.secondOfficerUser === opts.officerUser) throw new Error('the two security officers need different user names');
  opts.log('certifying the two security officers');
  const bootstrap = [];
  for (const user of [opts.officerUser, opts.secondOfficerUser]) bootstrap.push(await certifyBootstrapOfficer(ca, p.officersDir, user, now));
  opts.log('starting the database to create the security officers');
  const db = await openDatabase(opts.home, config, opts.log);
  try {
    await insertBootstrapOfficers(db.ownerUrl, bootstrap);
  } finally {
    await db.stop();
  }
  if (opts.ratesDir) {
    const bundles = await readRateBundles(opts.ratesDir);
    opts.log(`installing ${bundles.length} rate table(s) from ${opts.ratesDir}: ${bundles.map((b) => b.table.id).join(', ')}`);
    const dirs = modules.map((m) => ratesDirOf(join(opts.home, m.keystore.replace(/\.keystore$/, '.ring'))));
    await installAtInit(bundles, bootstrap, dirs);
  }
  // Written last: an interrupted init leaves no config, so it can simply be run again on a clean home.
  await writeConfig(opts.home, config);
  const [officer, secondOfficer] = bootstrap.map(({ user, password, keyFile }) => ({ user, password, keyFile }));
  return { officer: officer!, secondOfficer: secondOfficer!, home: opts.home, caCertPath: p.caCert, modules: modules.map((m) => m.serial) };
}

/** VAULTMETER_PG_PORT, else any free port the kernel gives (0), so that installations never collide. */
function embeddedPort(): number {
  const raw = process.env.VAULTMETER_PG_PORT;
  return raw ? Number(raw) : 0;
}

/** The preferred port when it is free, else any free port the kernel gives. */
export async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(null));
      srv.listen(port, '127.0.0.1', () => {
        const got = (srv.address() as { port: number }).port;
        srv.close(() => resolve(got));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

/** Development only: a generated passphrase kept in the home directory (mode 0600). */
export async function createDevPassphrase(home: string): Promise<string> {
  const passphrase = randomBytes(24).toString('base64url');
  await mkdir(home, { recursive: true, mode: 0o711 });
  await writeFileAtomic(paths(home).devPassphrase, `${passphrase}\n`, 0o600);
  return passphrase;
}
