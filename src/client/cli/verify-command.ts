import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { decodeItem } from '../../indicium/index.js';
import { formatMills } from '../../money.js';
import { callApi } from '../http.js';
import { verifyItem } from '../verify.js';
import { DEFAULT_SERVER, emit } from './output.js';
import { action } from './run.js';

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description("verify an item's signature and certificate chain (offline with --cert and --ca)")
    .argument('<file>', 'item bytes, as written by `client print --out`')
    .option('--server <url>', 'where to fetch the meter certificate and the CA', DEFAULT_SERVER)
    .option('--cert <file>', 'meter certificate (PEM) instead of fetching it')
    .option('--ca <file>', 'installation CA certificate (PEM) instead of fetching it')
    .option('--json', 'print one JSON object')
    .action(
      action(async (file: string, o: { server: string; cert?: string; ca?: string; json?: boolean }) => {
        const bytes = await readFile(file);
        const meterId = safeMeterId(bytes);
        const certPem = o.cert
          ? await readFile(o.cert, 'utf8')
          : meterId
            ? String((await callApi(o.server, 'GET', `/v1/meters/${meterId}/certificate`)).certificatePem)
            : '';
        const caPem = o.ca ? await readFile(o.ca, 'utf8') : String((await callApi(o.server, 'GET', '/v1/ca')).certificatePem);
        const v = verifyItem(bytes, certPem, caPem);
        const d = v.item?.data;
        emit(
          o.json === true,
          {
            valid: v.valid,
            reasons: v.reasons,
            meterId: d?.meterId ?? null,
            amountMills: d?.valueMills.toString() ?? null,
            itemSerial: d?.itemSerial.toString() ?? null,
            arAfterMills: d?.arAfterMills.toString() ?? null,
            date: d?.date ?? null,
            postage: d?.postage ?? null,
            signedDataHex: v.signedDataHex ?? null,
            signatureDerHex: v.signatureDerHex ?? null,
            certificatePem: certPem || null,
          },
          () => (v.valid ? `VALID: $${formatMills(d!.valueMills)} from meter ${d!.meterId}, ${d!.date}` : `INVALID: ${v.reasons.join('; ')}`),
        );
        if (!v.valid) process.exit(3);
      }),
    );
}

function safeMeterId(bytes: Buffer): string | null {
  try {
    return decodeItem(bytes).data.meterId;
  } catch {
    return null;
  }
}
