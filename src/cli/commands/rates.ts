import type { Command } from 'commander';
import { quoteRates, rateTables, type RateQuoteAnswer, type RateTableInfo } from '../../sdk/index.js';
import { DEFAULT_SERVER, emit } from '../output.js';
import { parseDimsIn, parseWeightOz } from '../piece.js';
import { action } from '../run.js';

interface RatesOpts {
  from: string;
  to: string;
  weightOz: string;
  dims?: string;
  date?: string;
  class?: string;
  tier?: 'retail' | 'commercial';
  server: string;
  json?: boolean;
}

function describeQuote(q: RateQuoteAnswer, weightOz: number): string {
  const lines = [`${q.rateTable.id} (in force from ${q.rateTable.effective}), zone ${q.zone}:`];
  for (const p of q.prices)
    lines.push(
      `  ${p.class.padEnd(10)} ${p.tier.padEnd(10)} $${p.price.padStart(9)}  ${p.name}${Number(p.billedWeightOz) > weightOz ? ` (billed at ${p.billedWeightOz} oz, its dimensional weight)` : ''}`,
    );
  if (q.prices.length === 0) lines.push('  no class prices this piece');
  if (q.unpriced.length > 0) lines.push(`  (${q.unpriced.length} class/tier pair(s) not priced for this piece: --json lists why)`);
  return lines.join('\n');
}

function describeTables(tables: readonly RateTableInfo[]): string {
  if (tables.length === 0) return 'No rate table is installed: postage is not priced by the modules (an unrated installation).';
  return tables
    .map(
      (t) =>
        `${t.id}, in force from ${t.effective}: ${t.classes.map((c) => c.code).join(', ')}; ${t.unconfirmed} unconfirmed cell(s) left unpriced\n  source: ${t.source}\n  sha256: ${t.sha256}`,
    )
    .join('\n');
}

export function ratesCommand(program: Command): void {
  const rates = program
    .command('rates')
    .description('price a piece in every mail class (rate shopping), from the tables the modules price with')
    .option('--from <zip>', 'origin ZIP')
    .option('--to <zip>', 'destination ZIP')
    .option('--weight-oz <ounces>', 'weight in ounces, to a tenth')
    .option('--dims <LxWxH>', 'length x width x height in inches, e.g. 12x8x6 (for dimensional weight)')
    .option('--date <yyyy-mm-dd>', 'mailing date (UTC); default today')
    .option('--class <code>', 'only this class, e.g. PM')
    .option('--tier <tier>', 'only this price tier: retail or commercial')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: RatesOpts) => {
        if (!o.from || !o.to || !o.weightOz)
          throw Object.assign(new Error('give --from, --to and --weight-oz (or run `vaultmeter rates tables`)'), { code: 'invalid_request' });
        const weightOz = parseWeightOz(o.weightOz);
        const q = await quoteRates(o.server, {
          from: o.from,
          to: o.to,
          weightOz,
          ...(o.dims ? { dimsIn: parseDimsIn(o.dims)! } : {}),
          ...(o.date ? { date: o.date } : {}),
          ...(o.class ? { classCode: o.class } : {}),
          ...(o.tier ? { tier: o.tier } : {}),
        });
        emit(o.json === true, { ...q }, () => describeQuote(q, weightOz));
      }),
    );
  rates
    .command('tables')
    .description('list the rate tables installed in the modules, with their sources')
    .option('--server <url>', 'server URL', DEFAULT_SERVER)
    .option('--json', 'print one JSON object')
    .action(
      action(async (o: { server: string; json?: boolean }) => {
        const tables = await rateTables(o.server);
        emit(o.json === true, { tables }, () => describeTables(tables));
      }),
    );
}
