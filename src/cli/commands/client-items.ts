import type { Command } from 'commander';
import { CLIENT_ITEMS_PAGE, MAX_CLIENT_ITEMS_PAGE } from '../../constants.js';
import { formatMills } from '../../money.js';
import { ProfileError } from '../../sdk/index.js';
import { findKept, listKept, type KeptPage } from '../item-store.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { checkOutputs } from './client-deliver.js';
import { type OutputOpts, printerChoice, withOutput, writeOutputs } from './client-options.js';

type ItemsOpts = Omit<OutputOpts, 'out'> & { user: string; json?: boolean; limit: string; offset: string; export?: string; out?: string };

function whole(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new ProfileError('invalid_request', `${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

export function clientItems(client: Command): void {
  withOutput(
    client
      .command('items')
      .description("the items this machine paid for, kept in the client's store (newest first); --export writes one out again as print does")
      .requiredOption('--user <user>', 'customer user name')
      .option('--limit <n>', `items per page (at most ${MAX_CLIENT_ITEMS_PAGE})`, String(CLIENT_ITEMS_PAGE))
      .option('--offset <n>', 'skip this many of the newest items', '0')
      .option('--address <line>', 'with --export and a label: destination address line (repeat)', (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--export <itemId>', 'write this kept item to --out (the item bytes and FILE.png, or with --format a label)')
      .option('--json', 'print one JSON object'),
    false,
  ).action(
    action(async (o: ItemsOpts) => {
      if (o.export !== undefined || o.out !== undefined) return exportItem(o);
      const limit = whole(o.limit, '--limit', 1, MAX_CLIENT_ITEMS_PAGE);
      const page = await listKept(o.user, { limit, offset: whole(o.offset, '--offset', 0, Number.MAX_SAFE_INTEGER) });
      for (const p of page.problems) process.stderr.write(`warning: ${p.file}: ${p.reason}\n`);
      emit(o.json === true, { ...page, limit }, () => human(page, limit));
    }),
  );
}

function human(page: KeptPage, limit: number): string {
  if (page.total === 0) return 'no kept items';
  const lines = page.items.map((i) => `${i.keptAt}  ${i.itemId}  ${i.kind}  $${formatMills(i.amountMills)}  meter ${i.meterId}  ${i.file}`);
  const end = Math.min(page.offset + limit, page.total);
  return [...lines, end < page.total ? `(${page.offset + 1}-${end} of ${page.total}; --offset ${end} for more)` : `(${page.total} kept)`].join('\n');
}

async function exportItem(o: ItemsOpts): Promise<void> {
  if (!o.export || !o.out) throw new ProfileError('invalid_request', '--export ID and --out FILE go together');
  const opts = { ...o, out: o.out };
  const printer = printerChoice(opts);
  await checkOutputs(opts, printer);
  const kept = await findKept(o.user, o.export);
  if (!kept) throw new ProfileError('not_found', `no kept item ${o.export} for ${o.user} (see \`vaultmeter client items --user ${o.user}\`)`);
  const files = await writeOutputs(opts, printer, kept.bytes);
  emit(
    o.json === true,
    { itemId: kept.item.itemId, kind: kept.item.kind, amountMills: kept.item.amountMills.toString(), keptFile: kept.item.file, ...files },
    () => `Wrote kept ${kept.item.kind} item ${kept.item.itemId} for $${formatMills(kept.item.amountMills)} -> ${o.out}`,
  );
}
