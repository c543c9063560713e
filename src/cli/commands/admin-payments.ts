import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { MAX_RETURNS_FILE_BYTES } from '../../constants.js';
import { formatMills } from '../../money.js';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get, post } from './admin-options.js';

interface DebitOutcome {
  requestId: string;
  meterId: string;
  outcome: string;
  amountMills: string;
  code?: string;
  returnCode?: string;
}
interface FileRow {
  fileId: string;
  fileName?: string;
  createdAt?: string;
  entryCount: number;
  totalMills: string;
  sha256: string | null;
  development?: boolean;
  deliveredAt?: string | null;
  target?: string | null;
}

interface CardSwept {
  requestId: string;
  outcome: 'settled' | 'cancelled' | 'pending' | 'failed';
  amountMills: string;
  code?: string;
}

const dollars = (mills: string) => `$${formatMills(BigInt(mills))}`;
const outcomeLine = (d: DebitOutcome) =>
  `${d.requestId}  ${dollars(d.amountMills)}  ${d.outcome}${d.returnCode ? ` (${d.returnCode})` : ''}${d.code ? ` (${d.code})` : ''}`;

function runLines(r: { files: FileRow[]; settled: DebitOutcome[]; cards: CardSwept[] }): string[] {
  const cards = (o: CardSwept['outcome']) => r.cards.filter((c) => c.outcome === o).length;
  return [
    ...r.files.map(
      (f) => `filed ${f.fileName}: ${f.entryCount} debit(s), ${dollars(f.totalMills)}, sha256 ${f.sha256}${f.development ? ' (development origin)' : ''}`,
    ),
    ...r.settled.map(outcomeLine),
    ...r.cards.map((c) => `card ${c.requestId}  ${dollars(c.amountMills)}  ${c.outcome}${c.code ? ` (${c.code})` : ''}`),
    `${r.files.length} file(s); ${r.settled.filter((s) => s.outcome === 'settled').length} settled`,
    `stranded card requests: ${cards('settled')} settled, ${cards('cancelled')} cancelled, ${cards('pending')} pending, ${cards('failed')} failed`,
  ];
}

/** `vaultmeter admin payments run|returns|files`: the ACH funding path, as an operator sees it. */
export function adminPayments(admin: Command): void {
  const payments = admin.command('payments').description('ACH funding: the daily NACHA file, settlement, the bank returns file');
  withAdmin(
    payments
      .command('run')
      .description('file waiting funding requests in a NACHA file (bank outbox), settle what is past its hold, and finish stranded card requests'),
  )
    .option('--settle-only', 'settle (and finish stranded card requests) only; file nothing now')
    .option('--file-only', 'file only; settle nothing and charge no card now')
    .action(
      action(async (o: AdminOpts & { settleOnly?: boolean; fileOnly?: boolean }) => {
        if (o.settleOnly && o.fileOnly) throw new ProfileError('invalid_request', 'choose --settle-only or --file-only, not both');
        const body = { file: o.settleOnly !== true, settle: o.fileOnly !== true };
        const r = await post<{ files: FileRow[]; settled: DebitOutcome[]; cards: CardSwept[] }>(o, '/v1/admin/payments/run', body);
        emit(o.json === true, r, () => runLines(r).join('\n'));
      }),
    );
  withAdmin(payments.command('returns').description("read the bank's returns file (R01, R02, ...): cancel or suspend each returned debit"))
    .argument('<file>', 'the returns file (NACHA format)')
    .action(
      action(async (file: string, o: AdminOpts) => {
        const text = await readFile(file, 'utf8').catch((e: Error) => {
          throw new ProfileError('invalid_request', `cannot read ${file}: ${e.message}`);
        });
        if (Buffer.byteLength(text) > MAX_RETURNS_FILE_BYTES)
          throw new ProfileError('invalid_request', `${file} is larger than ${MAX_RETURNS_FILE_BYTES} bytes`);
        const r = await post<{ returns: DebitOutcome[]; alreadyReturned: string[] }>(o, '/v1/admin/payments/returns', { text });
        emit(o.json === true, r, () =>
          [...r.returns.map(outcomeLine), `${r.returns.length} return(s) applied; ${r.alreadyReturned.length} already returned before`].join('\n'),
        );
      }),
    );
  withAdmin(payments.command('files').description('list the NACHA files, newest first')).action(
    action(async (o: AdminOpts) => {
      const r = await get<{ files: FileRow[] }>(o, '/v1/admin/payments/files');
      emit(
        o.json === true,
        r,
        () =>
          r.files
            .map(
              (f) =>
                `${f.createdAt}  ${f.fileId}  ${f.entryCount} debit(s)  ${dollars(f.totalMills)}  ${f.deliveredAt ? `delivered ${f.target}` : 'not delivered'}`,
            )
            .join('\n') || 'no files',
      );
    }),
  );
}
