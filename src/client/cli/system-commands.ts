import { Command, Option } from 'commander';
import { DEFAULT_AUDIT_INTERVAL_DAYS, DEFAULT_MODULE_COUNT, DEFAULT_REFUND_WINDOW_DAYS, DEFAULT_RING_SIZE, MAX_MODULE_COUNT } from '../../constants.js';
import { runModule } from '../../module/index.js';
import { homeDir, isInitialised, paths } from '../../runtime/home.js';
import { createDevPassphrase, initInstallation, type InitResult } from '../../runtime/init.js';
import { runApiServer } from '../../runtime/serve.js';
import { runShipper } from '../../runtime/ship.js';
import { startSystem } from '../../runtime/start.js';
import { emit } from './output.js';
import { action } from './run.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split('\n')[0]!.trim();
}

/** The passphrase for a new installation, and where it is kept. */
async function choosePassphrase(home: string, fromStdin: boolean): Promise<{ passphrase: string; kept: string }> {
  if (fromStdin) return { passphrase: await readStdinLine(), kept: 'only where you keep it (read from stdin)' };
  if (process.env.VAULTMETER_PASSPHRASE) return { passphrase: process.env.VAULTMETER_PASSPHRASE, kept: 'in VAULTMETER_PASSPHRASE' };
  return { passphrase: await createDevPassphrase(home), kept: `${paths(home).devPassphrase} (development only: mode 0600)` };
}

function describeInit(r: InitResult, kept: string): string {
  return [
    `Installation created in ${r.home}`,
    `  modules: ${r.modules.join(', ')}`,
    `  CA certificate: ${r.caCertPath}`,
    `  passphrase: ${kept}`,
    `Security officer (shown once, keep it safe):`,
    `  user:     ${r.officer.user}`,
    `  password: ${r.officer.password}`,
  ].join('\n');
}

export function systemCommands(program: Command): void {
  program
    .command('init')
    .description('create an installation: CA, security-domain keys, module keystores, database and the first security officer')
    .option('--home <dir>', 'installation directory (default $VAULTMETER_HOME or ./.vaultmeter)')
    .option('--modules <n>', 'number of module keystores', String(DEFAULT_MODULE_COUNT))
    .option('--officer <user>', 'user name of the first security officer', 'officer')
    .option('--name <name>', 'installation name, used in the CA certificate', 'Vaultmeter')
    .option('--passphrase-stdin', 'read the keystore passphrase from stdin (else VAULTMETER_PASSPHRASE, else a development passphrase file)')
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { home?: string; modules: string; officer: string; name: string; passphraseStdin?: boolean; json?: boolean }) => {
        const moduleCount = Number(o.modules);
        if (!Number.isInteger(moduleCount) || moduleCount < 1 || moduleCount > MAX_MODULE_COUNT) throw new Error(`--modules must be 1 to ${MAX_MODULE_COUNT}`);
        const home = homeDir(o.home);
        if (isInitialised(home)) throw new Error(`${home} already holds an installation`);
        const { passphrase, kept } = await choosePassphrase(home, o.passphraseStdin === true);
        const r = await initInstallation({ home, passphrase, moduleCount, officerUser: o.officer, installationName: o.name, log: o.json ? () => {} : log });
        emit(o.json === true, { officer: r.officer, home: r.home, modules: r.modules, caCertificate: r.caCertPath, passphrase: kept }, () => describeInit(r, kept));
      }),
    );

  program
    .command('start')
    .description('run the system: PostgreSQL, the cryptographic modules and the API server (a fresh home gets a development init)')
    .option('--home <dir>', 'installation directory (default $VAULTMETER_HOME or ./.vaultmeter)')
    .option('--port <port>', 'HTTP port (default $PORT or 8080)')
    .option('--json', 'print one JSON line when ready')
    .action(
      action(async (o: { home?: string; port?: string; json?: boolean }) => {
        const home = homeDir(o.home);
        if (!isInitialised(home)) {
          if (process.env.NODE_ENV === 'production') throw new Error(`${home} is not initialised: run \`vaultmeter init\` first`);
          log(`No installation in ${home}: running a development init.`);
          const { passphrase, kept } = await choosePassphrase(home, false);
          const r = await initInstallation({ home, passphrase, moduleCount: DEFAULT_MODULE_COUNT, officerUser: 'officer', installationName: 'Vaultmeter', log });
          if (o.json) emit(true, { officer: r.officer, passphrase: kept }, () => '');
          else log(describeInit(r, kept));
        }
        const sys = await startSystem({ home, port: o.port ? Number(o.port) : undefined, log });
        emit(o.json === true, { ready: true, url: sys.url }, () => `Vaultmeter is running at ${sys.url} (Ctrl-C stops it)`);
        const stop = () => void sys.stop().then(() => process.exit(0));
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
    );

  program
    .command('module')
    .description('run one cryptographic module process (started by `vaultmeter start`; the passphrase comes on stdin)')
    .requiredOption('--keystore <file>', 'sealed keystore file')
    .requiredOption('--socket <path>', 'local socket to listen on')
    .requiredOption('--ring <file>', "the module's protected checkpoint ring (created if missing)")
    .addOption(new Option('--ring-size <n>', 'checkpoints kept in the ring (3 to 5)').default(String(DEFAULT_RING_SIZE)))
    .addOption(new Option('--refund-window-days <days>', 'refund window for unused items').default(String(DEFAULT_REFUND_WINDOW_DAYS)))
    .addOption(new Option('--audit-interval-days <days>', 'a meter not audited for this long stops printing').default(String(DEFAULT_AUDIT_INTERVAL_DAYS)))
    .action(
      action(async (o: { keystore: string; socket: string; ring: string; ringSize: string; refundWindowDays: string; auditIntervalDays: string }) => {
        await runModule({
          keystorePath: o.keystore,
          socketPath: o.socket,
          ringPath: o.ring,
          ringSize: Number(o.ringSize),
          refundWindowDays: Number(o.refundWindowDays),
          auditIntervalDays: Number(o.auditIntervalDays),
        });
      }),
    );

  program
    .command('ship')
    .description('run the transaction log shipper alone (started by `vaultmeter start`; needs VAULTMETER_DB_URL, VAULTMETER_CA_CERT and VAULTMETER_SHIP_TARGETS)')
    .action(action(async () => runShipper()));
  program
    .command('serve')
    .description('run the API server process alone (started by `vaultmeter start`; needs VAULTMETER_DB_URL and VAULTMETER_MODULE_SOCKETS)')
    .action(action(async () => runApiServer()));
}
