// Staging + DSS (issue 18 item 3): the nightly delta and the warehouse load for 1,000,000 items, and
// each report's query time on the warehouse. The vault tables are seeded directly with SQL
// (generate_series) in an embedded PostgreSQL: meters, customers, items, scans, officers' fundings,
// plans and invoices. Item bytes are real item encodings (format 2, rated postage) of a few mail
// classes and zones with a zero signature: the delta decodes them, it never checks a signature.
// The first delta has no watermark (a full copy, no log record needed); the incremental delta then
// follows new items that carry matching txlog header rows (log_id 'bench', one record per print).
//   npm run bench:staging [-- --items 1000000 --meters 10000]
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { encodeItem, encodeSignedBytes, type ItemData } from '../src/indicium/index.js';
import { freePort } from '../src/runtime/index.js';
import { loadWarehouse, runDelta, runReport } from '../src/services/index.js';
import { dssUrlFrom, ensureDssRole, migrate, REPORT_NAMES, startEmbedded } from '../src/store/index.js';
import { exitOnHelp, int } from './lib/flags.js';

exitOnHelp(`npm run bench:staging [-- --items 1000000 --meters 10000 --new-items 10000]
Seeds the vault tables with SQL, then times: the first delta (full copy), the warehouse load, each report query,
a delta with nothing new, and a delta after --new-items new prints (with their txlog header rows) on 1% of the meters.
`);
const ITEMS = int('items', 1_000_000, 1);
const METERS = int('meters', 10_000, 1);
const NEW_ITEMS = int('new-items', 10_000, 1);
const log = (m: string) => process.stderr.write(`${m}\n`);

const CLASSES: readonly (readonly [string, number])[] = [
  ['FCM-LETTER', 1],
  ['FCM-LETTER', 4],
  ['PM', 2],
  ['PM', 5],
  ['PM-FR-ENV', 8],
  ['GA', 3],
  ['GA', 6],
  ['MM', 0],
];

function templates(): Buffer[] {
  return CLASSES.map(([rateCategory, zone], i) => {
    const d: ItemData = {
      kind: 'postage',
      certSerialHex: '00'.repeat(16),
      meterId: '00000000-0000-4000-8000-000000000000',
      itemSerial: BigInt(i + 1),
      arAfterMills: 1000n,
      valueMills: 730n,
      date: '2026-11-01',
      softwareId: 'VM000100',
      postage: { originZip: '90807', destination: '100010001', rateCategory, weightTenthOz: 10 + i, rated: { rateTable: 'BENCH-2026', zone } },
    };
    return encodeItem(encodeSignedBytes(d), Buffer.alloc(64));
  });
}

async function seed(db: pg.Client): Promise<void> {
  const t = templates();
  await db.query('SET statement_timeout = 0');
  await db.query(
    `INSERT INTO postal.meters (meter_id, cert_serial, certificate_pem, package, package_version, licensing_zip, assigned, created_at, updated_at)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, 'bench-' || m, 'PEM', decode(repeat(md5(m::text), 19), 'hex'), 1,
            lpad((10000 + m % 89999)::text, 5, '0'), true, timestamptz '2026-10-01' + m * interval '1 second', now()
     FROM generate_series(1, $1) m`,
    [METERS],
  );
  await db.query(
    `INSERT INTO membership.customers (username, meter_id, registered_at, created_at)
     SELECT 'bench' || m, ('00000000-0000-4000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, timestamptz '2026-10-01', timestamptz '2026-10-01'
     FROM generate_series(1, $1) m`,
    [METERS],
  );
  await db.query(
    `INSERT INTO commerce.customer_plans (meter_id, plan, selected_at)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, CASE WHEN m % 2 = 0 THEN 'standard' ELSE 'business' END, timestamptz '2026-10-02'
     FROM generate_series(1, $1) m WHERE m % 3 <> 0`,
    [METERS],
  );
  // Items: spread over 60 days, over every meter; item bytes are one of the templates; 1% refunded.
  await db.query(
    `INSERT INTO postal.items (item_id, meter_id, item_serial, kind, amount_mills, item_bytes, created_at, refunded_at)
     SELECT lpad(to_hex(i), 32, '0'), ('00000000-0000-4000-8000-' || lpad(to_hex(1 + i % $2), 12, '0'))::uuid, i / $2 + 1, 'postage',
            500 + (i % 97) * 10, ($3::bytea[])[1 + i % $4], timestamptz '2026-10-01' + (i % 60) * interval '1 day' + (i % 86400) * interval '1 second',
            CASE WHEN i % 100 = 0 THEN timestamptz '2026-10-01' + (i % 60) * interval '1 day' + interval '2 days' END
     FROM generate_series(1, $1) i`,
    [ITEMS, METERS, t, t.length],
  );
  // Scans: 10% of the items, a fifth of them twice.
  await db.query(
    `INSERT INTO postal.verifications (item_id, meter_id, at, location, valid)
     SELECT lpad(to_hex(i), 32, '0'), ('00000000-0000-4000-8000-' || lpad(to_hex(1 + i % $2), 12, '0'))::uuid,
            timestamptz '2026-10-03' + (i % 60) * interval '1 day', 'LOC ' || (i % 50), true
     FROM generate_series(1, $1) i, generate_series(1, 2) k WHERE i % 10 = 0 AND (k = 1 OR i % 50 = 0)`,
    [ITEMS, METERS],
  );
  await db.query(
    `INSERT INTO support.operator_actions (officer, action, meter_id, detail, at)
     SELECT 'officer', 'fund', ('00000000-0000-4000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, jsonb_build_object('amountMills', '1000000'),
            timestamptz '2026-10-01' + (m % 60) * interval '1 day'
     FROM generate_series(1, $1) m`,
    [METERS],
  );
  await db.query(
    `INSERT INTO commerce.invoices (invoice_id, meter_id, month, plan, lines, total_mills, issued_at)
     SELECT gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, '2026-10', 'standard', '[]'::jsonb, 9990, timestamptz '2026-11-01'
     FROM generate_series(1, $1) m WHERE m % 3 = 1`,
    [METERS],
  );
  await db.query('ANALYZE');
}

/** New prints on 1% of the meters, each with its txlog header row, after the watermark. */
async function newPrints(db: pg.Client): Promise<number> {
  const meters = Math.max(1, Math.floor(METERS / 100));
  await db.query(
    `WITH n AS (SELECT i, 1 + (i % $2) * 100 AS m FROM generate_series(1, $1) i)
     INSERT INTO postal.items (item_id, meter_id, item_serial, kind, amount_mills, item_bytes, created_at)
     SELECT 'ffff' || lpad(to_hex(i), 28, '0'), ('00000000-0000-4000-8000-' || lpad(to_hex(m), 12, '0'))::uuid, 1000000 + i, 'postage', 730,
            (SELECT item_bytes FROM postal.items LIMIT 1), timestamptz '2026-11-30' FROM n`,
    [NEW_ITEMS, meters],
  );
  await db.query(
    `INSERT INTO postal.txlog (log_id, seq, at, type, meter_id, version_after, hash, header, body)
     SELECT 'bench', i, timestamptz '2026-11-30', 'print', ('00000000-0000-4000-8000-' || lpad(to_hex(1 + (i % $2) * 100), 12, '0'))::uuid, i,
            sha256(i::text::bytea), '\\x00', '\\x00'
     FROM generate_series(1, $1) i`,
    [NEW_ITEMS, meters],
  );
  return meters;
}

const secs = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vm-bench-staging-'));
  await chmod(dir, 0o711);
  const port = await freePort(0);
  const pgdb = await startEmbedded({ dataDir: join(dir, 'pg'), port, ownerPassword: 'bench' });
  const figures: Record<string, unknown> = { items: ITEMS, meters: METERS, cpus: (await import('node:os')).cpus().length, node: process.version };
  const rows: [string, string, string][] = [];
  try {
    await migrate(pgdb.ownerUrl);
    await ensureDssRole(pgdb.ownerUrl, 'bench-dss');
    const dssUrl = dssUrlFrom(pgdb.ownerUrl, 'bench-dss');
    const db = new pg.Client({ connectionString: pgdb.ownerUrl });
    await db.connect();
    const file = join(dir, 'dss', 'warehouse.duckdb');
    try {
      log(`seeding ${ITEMS} items on ${METERS} meters`);
      let t = performance.now();
      await seed(db);
      const seedMs = performance.now() - t;
      rows.push(['seed (SQL generate_series)', secs(seedMs), `${ITEMS} items`]);

      const first = await runDelta(db);
      rows.push(['delta, first (full copy)', secs(first.ms), `${first.itemsRead} items read, ${first.rowsChanged} rows`]);
      const load = await loadWarehouse(dssUrl, file);
      const loaded = Object.values(load.rows).reduce((a, b) => a + b, 0);
      rows.push(['load into DuckDB', secs(load.ms), `${loaded} rows, ${((await stat(file)).size / 2 ** 20).toFixed(1)} MiB`]);
      figures.firstDelta = { ms: first.ms, itemsRead: first.itemsRead, rowsChanged: first.rowsChanged, changed: first.changed };
      figures.load = { ms: load.ms, rows: load.rows, bytes: (await stat(file)).size };

      const reports: Record<string, { ms: number; rows: number }> = {};
      for (const name of REPORT_NAMES) {
        await runReport(file, name); // warm the file cache once
        t = performance.now();
        const r = await runReport(file, name);
        const ms = performance.now() - t;
        reports[name] = { ms: Math.round(ms), rows: r.rows.length };
        rows.push([`report ${name}`, secs(ms), `${r.rows.length} rows`]);
      }
      figures.reports = reports;

      const idle = await runDelta(db);
      rows.push(['delta, nothing new', secs(idle.ms), `${idle.metersTouched} meters, ${idle.rowsChanged} rows`]);
      figures.idleDelta = { ms: idle.ms, rowsChanged: idle.rowsChanged };

      const meters = await newPrints(db);
      const inc = await runDelta(db);
      rows.push(['delta, new prints', secs(inc.ms), `${NEW_ITEMS} prints on ${meters} meters: ${inc.itemsRead} items read, ${inc.rowsChanged} rows`]);
      figures.incrementalDelta = { ms: inc.ms, newItems: NEW_ITEMS, metersTouched: inc.metersTouched, itemsRead: inc.itemsRead, rowsChanged: inc.rowsChanged };
      const reload = await loadWarehouse(dssUrl, file);
      rows.push(['load again', secs(reload.ms), `${Object.values(reload.rows).reduce((a, b) => a + b, 0)} rows`]);
      figures.reload = { ms: reload.ms };
    } finally {
      await db.end();
    }
  } finally {
    await pgdb.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const table = [
    '| step | seconds | what |',
    '|---|---:|---|',
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    'Vault tables seeded with SQL (item bytes: real rated-postage encodings, zero signature); txlog header rows only for the new prints.',
  ].join('\n');
  process.stdout.write(`${table}\n`);
  await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(join(import.meta.dirname, 'results', 'staging.json'), `${JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2)}\n`);
  await writeFile(join(import.meta.dirname, 'results', 'staging.md'), `${table}\n`);
}

await main();
