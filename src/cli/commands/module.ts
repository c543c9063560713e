import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_ACH_HOLD_HOURS, DEFAULT_AUDIT_INTERVAL_DAYS, DEFAULT_REFUND_WINDOW_DAYS, DEFAULT_RING_SIZE } from '../../constants.js';
import { runModule } from '../../module/index.js';
import { action } from '../run.js';

export function moduleCommand(program: Command): void {
  program
    .command('module')
    .description('run one cryptographic module process (started by `vaultmeter start`; the passphrase comes on stdin)')
    .requiredOption('--keystore <file>', 'sealed keystore file')
    .requiredOption('--socket <path>', 'local socket to listen on')
    .requiredOption('--ring <file>', "the module's protected checkpoint ring (created if missing)")
    .addOption(new Option('--ring-size <n>', 'checkpoints kept in the ring (3 to 5)').default(String(DEFAULT_RING_SIZE)))
    .addOption(new Option('--refund-window-days <days>', 'refund window for unused items').default(String(DEFAULT_REFUND_WINDOW_DAYS)))
    .addOption(new Option('--audit-interval-days <days>', 'a meter not audited for this long stops printing').default(String(DEFAULT_AUDIT_INTERVAL_DAYS)))
    .addOption(new Option('--ach-hold-hours <hours>', 'hold between an ACH funding request and its value download').default(String(DEFAULT_ACH_HOLD_HOURS)))
    .action(
      action(
        async (o: {
          keystore: string;
          socket: string;
          ring: string;
          ringSize: string;
          refundWindowDays: string;
          auditIntervalDays: string;
          achHoldHours: string;
        }) => {
          await runModule({
            keystorePath: o.keystore,
            socketPath: o.socket,
            ringPath: o.ring,
            ringSize: Number(o.ringSize),
            refundWindowDays: Number(o.refundWindowDays),
            auditIntervalDays: Number(o.auditIntervalDays),
            achHoldHours: Number(o.achHoldHours),
          });
        },
      ),
    );
}
