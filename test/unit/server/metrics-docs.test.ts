import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMetricsListener, type ServerContext } from '../../../src/server/index.js';
import { createMetrics } from '../../../src/services/index.js';
import type { LooseJson } from '../../helpers/loose-json.js';
import { DOCS, documentedMetrics, scrapedMetrics } from '../../helpers/metrics-docs.js';

/** Documented metrics a scrape on this platform need not show (prom-client reads them from /proc). */
function optionalHere(documented: Map<string, string>): Set<string> {
  return new Set(process.platform === 'linux' ? [] : [...documented].filter(([, row]) => row.includes('Linux only')).map(([name]) => name));
}

/** Every PromQL expression of a Grafana dashboard, rows' nested panels included. */
function expressions(panels: LooseJson[]): string[] {
  return panels.flatMap((p) => [...(p.targets ?? []).map((t: LooseJson) => String(t.expr)), ...expressions(p.panels ?? [])]);
}

describe('docs/METRICS.md and the Grafana dashboard', () => {
  it('lists exactly the metrics a scrape shows', async () => {
    // A scrape as Prometheus makes it, through the loopback listener; the database is away (the gauges it
    // feeds are registered all the same, and database_up says 0).
    const db = { totalCount: 0, idleCount: 0, waitingCount: 0, query: async () => Promise.reject(new Error('no database here')) };
    const app = await buildMetricsListener({ db, shipTargets: ['disk'], metrics: createMetrics() } as unknown as ServerContext);
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const scraped = scrapedMetrics(res.body);
    const documented = documentedMetrics();
    const optional = optionalHere(documented);
    expect(
      [...scraped].filter((n) => !documented.has(n)),
      'scraped but not in docs/METRICS.md',
    ).toEqual([]);
    expect(
      [...documented.keys()].filter((n) => !scraped.has(n) && !optional.has(n)),
      'in docs/METRICS.md but not scraped',
    ).toEqual([]);
    expect(res.body).toContain('vaultmeter_database_up 0');
  });

  it('has a dashboard of valid JSON whose panels use only documented metrics', () => {
    const dashboard = JSON.parse(readFileSync(join(DOCS, 'grafana-dashboard.json'), 'utf8'));
    const exprs = expressions(dashboard.panels);
    expect(exprs.length).toBeGreaterThan(10);
    const documented = documentedMetrics();
    const histograms = new Set([...documented].filter(([, row]) => row.includes('| histogram |')).map(([name]) => name));
    const used = new Set(exprs.flatMap((e) => e.match(/\b(vaultmeter|process|nodejs)_[a-z0-9_]+/g) ?? []));
    // A histogram's series: name_bucket, name_sum, name_count.
    const metricOf = (series: string) => {
      const base = series.replace(/_(bucket|sum|count)$/, '');
      return histograms.has(base) ? base : series;
    };
    expect(
      [...used].map(metricOf).filter((n) => !documented.has(n)),
      'used by the dashboard but not documented',
    ).toEqual([]);
    // Every Vaultmeter metric has a panel.
    const shown = new Set([...used].map(metricOf));
    expect(
      [...documented.keys()].filter((n) => n.startsWith('vaultmeter_') && !shown.has(n)),
      'documented but on no panel',
    ).toEqual([]);
  });
});
