import { Command } from 'commander';
import { callApi } from '../../sdk/index.js';
import { readItemFile } from '../scan.js';
import { DEFAULT_SERVER, emit } from '../output.js';
import { action } from '../run.js';

export function redeemCommand(program: Command): void {
  program
    .command('redeem')
    .description('redeem a ticket, coupon, voucher or gift certificate (once; a second redemption is refused)')
    .argument('<file>', 'item bytes, a barcode PNG, or a label PDF')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--location <text>', 'where it is redeemed (shown to anyone who tries again)', '')
    .option('--json', 'print one JSON object')
    .action(
      action(async (file: string, o: { server: string; location: string; json?: boolean }) => {
        const bytes = await readItemFile(file);
        const r = await callApi<{ itemId: string; item?: { kind?: string } }>(o.server, 'POST', '/v1/redeem', {
          itemBase64: bytes.toString('base64'),
          location: o.location,
        });
        emit(o.json === true, r, () => `Redeemed ${r.item?.kind} ${r.itemId}${o.location ? ` at ${o.location}` : ''}`);
      }),
    );
}
