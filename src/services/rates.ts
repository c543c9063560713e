import { fail } from '../errors.js';
import type { OfficerAuthorization } from '../protocol/index.js';
import { TIERS, type Price, type RateBook, type Tier, type Unpriced } from '../rates/index.js';
import { requestApproval } from './approvals.js';
import type { ServiceContext } from './context.js';
import { checkedBundle, installStatementParams, keepSubmittedBundle } from './rate-install.js';

// Rate quotes (rate shopping) and the rate tables in force: the Postal Rate Info service of the
// patent, answered from the tables the modules price with.

export interface QuoteInput {
  readonly fromZip: string;
  readonly toZip: string;
  readonly weightTenthOz: number;
  readonly dimsTenthIn: readonly [number, number, number] | null;
  /** Mailing date, YYYY-MM-DD (UTC). */
  readonly date: string;
  /** Only this class, and only this tier, when given. */
  readonly classCode?: string;
  readonly tier?: Tier;
}

export interface Quote {
  readonly rateTable: { readonly id: string; readonly effective: string; readonly source: string };
  readonly prices: readonly Price[];
  readonly unpriced: readonly Unpriced[];
}

function inForce(book: RateBook, date: string) {
  if (book.size === 0) fail('no_rate_table', 'no rate table is installed: two security officers install one (vaultmeter admin rates install)');
  return book.inForce(date) ?? fail('no_rate_table', `no rate table is in force on ${date}; the earliest starts ${book.list()[0]!.table.effective}`);
}

export async function quoteRates(ctx: ServiceContext, q: QuoteInput): Promise<Quote> {
  const book = await ctx.rateBook.get();
  const table = inForce(book, q.date).table;
  const piece = { weightTenthOz: q.weightTenthOz, dimsTenthIn: q.dimsTenthIn, fromZip: q.fromZip, toZip: q.toZip };
  const rateTable = { id: table.id, effective: table.effective, source: table.source };
  if (q.classCode !== undefined) {
    const tiers = q.tier ? [q.tier] : TIERS.filter((t) => table.classes.get(q.classCode!)?.prices[t] != null);
    if (tiers.length === 0) fail('unknown_rate_class', `${table.id} has no class ${q.classCode}; it has ${[...table.classes.keys()].join(', ')}`);
    return { rateTable, prices: tiers.map((tier) => book.price(q.date, { ...piece, classCode: q.classCode!, tier })), unpriced: [] };
  }
  const { prices, unpriced } = book.quoteAll(q.date, piece);
  const wanted = (p: { tier: string }) => q.tier === undefined || p.tier === q.tier;
  return { rateTable, prices: prices.filter(wanted), unpriced: unpriced.filter(wanted) };
}

export async function listRateTables(ctx: ServiceContext) {
  const book = await ctx.rateBook.get();
  return book.list().map((b) => ({
    id: b.table.id,
    effective: b.table.effective,
    source: b.table.source,
    sha256: b.sha256,
    classes: [...b.table.classes.values()].map((c) => ({ code: c.code, name: c.name })),
    unconfirmed: b.table.unconfirmed.length,
    notes: b.table.notes,
    zones: b.zones.source,
  }));
}

/** The first officer's half of an install: keep the bundle, and request the approval with their signed statement. */
export async function submitRates(ctx: ServiceContext, by: string, raw: unknown, authorization: OfficerAuthorization | undefined) {
  const bundle = checkedBundle(raw);
  const about = installStatementParams(bundle);
  const named = authorization?.statement;
  if (named && (named.act !== 'install_rates' || named.params.sha256 !== about.sha256 || named.params.rateTableId !== about.rateTableId))
    fail('officer_signature_invalid', `the statement must authorize install_rates of ${about.rateTableId} with sha256 ${about.sha256}`);
  await keepSubmittedBundle(ctx, by, bundle);
  const approval = await requestApproval(ctx, by, 'install_rates', undefined, authorization, about);
  return { approval, rateTable: { id: bundle.table.id, effective: bundle.table.effective, sha256: bundle.sha256 } };
}
