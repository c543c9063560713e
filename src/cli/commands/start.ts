import type { Command } from 'commander';
import { DEFAULT_MODULE_COUNT } from '../../constants.js';
import { homeDir, isInitialised, initInstallation, initRatesDir, startSystem } from '../../runtime/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { log, choosePassphrase, describeInit } from './system-options.js';

export function startCommand(program: Command): void {
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
          const r = await initInstallation({
            home,
            passphrase,
            moduleCount: DEFAULT_MODULE_COUNT,
            officerUser: 'officer',
            secondOfficerUser: 'officer2',
            installationName: 'Vaultmeter',
            ratesDir: initRatesDir(),
            log,
          });
          if (o.json) emit(true, { officer: r.officer, secondOfficer: r.secondOfficer, passphrase: kept }, () => '');
          else log(describeInit(r, kept));
        }
        const sys = await startSystem({ home, port: o.port ? Number(o.port) : undefined, log });
        emit(o.json === true, { ready: true, url: sys.url }, () => `Vaultmeter is running at ${sys.url} (Ctrl-C stops it)`);
        const stop = () => void sys.stop().then(() => process.exit(0));
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
    );
}
