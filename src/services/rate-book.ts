import { RATE_BOOK_CACHE_MS } from '../constants.js';
import { fail, VaultError } from '../errors.js';
import type { ModuleConnection, ModulePool } from '../module/index.js';
import { parseRateBundle, RateBook, type RateBundle } from '../rates/index.js';

// The API server quotes from the tables the modules price with, read from a module: never from
// files of its own, so a quote and the module's check cannot disagree.

export class ModuleRateBook {
  private cached: { readonly book: RateBook; readonly atMs: number } | null = null;
  private loading: Promise<RateBook> | null = null;

  constructor(
    private readonly modules: ModulePool,
    private readonly ttlMs = RATE_BOOK_CACHE_MS,
  ) {}

  async get(): Promise<RateBook> {
    if (this.cached && Date.now() - this.cached.atMs < this.ttlMs) return this.cached.book;
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  /** After an install: the next quote reads the modules again. */
  invalidate(): void {
    this.cached = null;
  }

  /** Re-reads only bundles it has not parsed before: a bundle is immutable under its hash. */
  private async bundlesOf(m: ModuleConnection): Promise<RateBundle[]> {
    const { bundles } = await m.call('rates', {});
    const known = new Map((this.cached?.book.list() ?? []).map((b) => [b.sha256, b] as const));
    const out: RateBundle[] = [];
    for (const s of bundles) {
      const hit = known.get(s.sha256);
      if (hit) out.push(hit);
      else for (const full of (await m.call('rates', { sha256: s.sha256 })).bundles) out.push(parseRateBundle(full.bundle));
    }
    return out;
  }

  private async load(): Promise<RateBook> {
    const all = this.modules.modules;
    for (const m of [...all.filter((c) => c.connected), ...all.filter((c) => !c.connected)]) {
      try {
        const book = new RateBook(await this.bundlesOf(m));
        this.cached = { book, atMs: Date.now() };
        return book;
      } catch (e) {
        if (!(e instanceof VaultError) || e.status < 500) throw e;
      }
    }
    return fail('module_unavailable', 'no module is reachable to read the rate tables from');
  }
}
