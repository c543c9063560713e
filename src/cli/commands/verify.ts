import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { decodeItem, itemJson, verifyItem } from '../../indicium/index.js';
import { formatMills } from '../../money.js';
import { callApi } from '../../sdk/index.js';
import { readItemFile } from '../scan.js';
import { DEFAULT_SERVER, emit } from '../output.js';
import { action } from '../run.js';

interface VerifyOpts {
  server: string;
  cert?: string;
  ca?: string;
  offline?: boolean;
  location?: string;
  json?: boolean;
}

/** The server's verdict (POST /v1/verify), as far as this command reads it. */
interface OnlineVerdict {
  valid?: boolean;
  status?: string;
  reasons?: string[];
  codes?: string[];
  testItem?: boolean;
  scans?: { possibleReuse?: boolean; firstSeenAt?: string | null } | null;
  redemption?: unknown;
}

export function verifyCommand(program: Command): void {
  program
    .command('verify')
    .description('verify an item: its signature and certificate chain, and (online) the meter status, refunds, redemptions and earlier scans')
    .argument('<file>', 'item bytes (from `client print --out`), a barcode PNG, or a label PDF')
    .option('--server <url>', 'the installation to ask (certificates, status; the scan is recorded)', DEFAULT_SERVER)
    .option('--offline', 'check only the signature, chain, validity and expiry, with --cert and --ca; contact nobody')
    .option('--cert <file>', 'meter certificate (PEM) instead of fetching it')
    .option('--ca <file>', 'installation CA certificate (PEM) instead of fetching it')
    .option('--location <text>', 'where the item is being verified (recorded with the scan)')
    .option('--json', 'print one JSON object')
    .action(
      action(async (file: string, o: VerifyOpts) => {
        const bytes = await readItemFile(file);
        const meterId = safeMeterId(bytes);
        const certPem = o.cert
          ? await readFile(o.cert, 'utf8')
          : meterId && !o.offline
            ? String((await callApi(o.server, 'GET', `/v1/meters/${meterId}/certificate`)).certificatePem)
            : '';
        const caPem = o.ca ? await readFile(o.ca, 'utf8') : o.offline ? '' : String((await callApi(o.server, 'GET', '/v1/ca')).certificatePem);
        const local = verifyItem(bytes, certPem, caPem, new Date());
        const online = o.offline
          ? null
          : await callApi<OnlineVerdict>(o.server, 'POST', '/v1/verify', { itemBase64: bytes.toString('base64'), location: o.location ?? '' });
        const reasons = [...new Set([...local.reasons, ...(online?.reasons ?? [])])];
        const codes = [...new Set([...local.codes, ...(online?.codes ?? [])])];
        const valid = local.valid && (online ? online.valid === true : true);
        const d = local.item?.data;
        // Test mode: authentic, but never postage (the flag is inside the signed bytes).
        const testItem = local.testItem;
        const onlyTest = testItem && codes.every((c) => c === 'test_item');
        emit(
          o.json === true,
          {
            valid,
            status: online?.status ?? (local.valid ? 'valid' : onlyTest ? 'test_item' : 'invalid'),
            reasons,
            codes,
            testItem,
            signatureValid: local.signatureValid,
            meterId: d?.meterId ?? null,
            amountMills: d?.valueMills.toString() ?? null,
            kind: d?.kind ?? null,
            item: d ? itemJson(d) : null,
            scans: online?.scans ?? null,
            redemption: online?.redemption ?? null,
            signedDataHex: local.signedDataHex ?? null,
            signatureDerHex: local.signatureDerHex ?? null,
            certificatePem: certPem || null,
          },
          () =>
            valid
              ? `VALID ${d!.kind}: $${formatMills(d!.valueMills)} from meter ${d!.meterId}, ${d!.date}${online?.scans?.possibleReuse ? ` (WARNING: scanned before at ${online.scans.firstSeenAt})` : ''}`
              : onlyTest
                ? `TEST ITEM — NOT POSTAGE: an authentic ${d!.kind} item of sandbox meter ${d!.meterId} (signature valid), $${formatMills(d!.valueMills)} of test value`
                : `INVALID: ${reasons.join('; ')}`,
        );
        if (!valid) process.exit(3);
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
