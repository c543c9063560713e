import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DOCS = join(import.meta.dirname, '..', '..', 'docs');

/** Every metric docs/METRICS.md lists (a table row starting with a metric name), and its row. */
export function documentedMetrics(): Map<string, string> {
  const text = readFileSync(join(DOCS, 'METRICS.md'), 'utf8');
  const rows = text.split('\n').flatMap((line) => {
    const m = /^\| `([a-z_:][a-z0-9_:]*)` \|/.exec(line);
    return m ? [[m[1]!, line] as const] : [];
  });
  return new Map(rows);
}

/** The metric names of a scrape in Prometheus text format (one `# TYPE` line each). */
export function scrapedMetrics(text: string): Set<string> {
  return new Set(text.split('\n').flatMap((l) => (l.startsWith('# TYPE ') ? [l.split(' ')[2]!] : [])));
}
