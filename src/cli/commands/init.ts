import type { Command } from 'commander';
import { DEFAULT_MODULE_COUNT, MAX_MODULE_COUNT } from '../../constants.js';
import { homeDir, isInitialised, initInstallation, initRatesDir } from '../../runtime/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { log, choosePassphrase, describeInit } from './system-options.js';

export function initCommand(program: Command): void {
  program
    .command('init')
    .description('create an installation: CA, security-domain keys, module keystores, database and two security officers')
    .option('--home <dir>', 'installation directory (default $VAULTMETER_HOME or ./.vaultmeter)')
    .option('--modules <n>', 'number of module keystores', String(DEFAULT_MODULE_COUNT))
    .option('--officer <user>', 'user name of the first security officer', 'officer')
    .option('--second-officer <user>', 'user name of the second security officer (dual control needs two)', 'officer2')
    .option('--name <name>', 'installation name, used in the CA certificate', 'Vaultmeter')
    .option(
      '--rates <dir|none>',
      'rate tables the two officers install into the modules: a directory of table files, or none (else $VAULTMETER_RATES, else the USPS tables in data/rates)',
    )
    .option('--passphrase-stdin', 'read the keystore passphrase from stdin (else VAULTMETER_PASSPHRASE, else a development passphrase file)')
    .option('--json', 'print one JSON object')
    .action(
      action(
        async (o: {
          home?: string;
          modules: string;
          officer: string;
          secondOfficer: string;
          name: string;
          passphraseStdin?: boolean;
          json?: boolean;
          rates?: string;
        }) => {
          const moduleCount = Number(o.modules);
          if (!Number.isInteger(moduleCount) || moduleCount < 1 || moduleCount > MAX_MODULE_COUNT)
            throw new Error(`--modules must be 1 to ${MAX_MODULE_COUNT}`);
          const home = homeDir(o.home);
          if (isInitialised(home)) throw new Error(`${home} already holds an installation`);
          const { passphrase, kept } = await choosePassphrase(home, o.passphraseStdin === true);
          const r = await initInstallation({
            home,
            passphrase,
            moduleCount,
            officerUser: o.officer,
            secondOfficerUser: o.secondOfficer,
            installationName: o.name,
            ratesDir: initRatesDir(o.rates === undefined ? process.env : { VAULTMETER_RATES: o.rates }),
            log: o.json ? () => {} : log,
          });
          emit(
            o.json === true,
            { officer: r.officer, secondOfficer: r.secondOfficer, home: r.home, modules: r.modules, caCertificate: r.caCertPath, passphrase: kept },
            () => describeInit(r, kept),
          );
        },
      ),
    );
}
