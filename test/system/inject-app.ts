import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { DEFAULT_HALT_THRESHOLD, DEFAULT_LICENSING_ZIP } from '../../src/constants.js';
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import { ModuleConnection, ModulePool } from '../../src/module/index.js';
import { paths, readConfig } from '../../src/runtime/home.js';
import { buildApp, type ServerContext } from '../../src/server/index.js';
import { DEFAULT_ADDRESS_CHECK_MODE } from '../../src/address/index.js';
import { achConfigFromEnv, BuiltInAddressVerifier, createMetrics, ModuleRateBook } from '../../src/services/index.js';
import { appUrlFrom, createDb } from '../../src/store/index.js';
import { DirectoryTarget } from '../../src/txlog/index.js';
import type { LooseJson } from '../helpers/loose-json.js';
import type { TestSystem } from './harness.js';

/**
 * The API in this process (for `app.inject`), on a running system's database and module sockets:
 * built the way `serve` builds it. Start the system with VAULTMETER_POOL_SIZE=0 so that its own API
 * server stays idle and this app is the only one talking to the modules.
 */
export async function injectApp(sys: TestSystem): Promise<{ app: FastifyInstance; ctx: ServerContext; close: () => Promise<void> }> {
  const home = sys.env.VAULTMETER_HOME!;
  const config = await readConfig(home);
  if (!config.embedded) throw new Error('injectApp needs an embedded database');
  const ownerUrl = `postgres://postgres:${encodeURIComponent(config.embedded.ownerPassword)}@127.0.0.1:${config.embedded.port}/postgres`;
  const db = createDb(appUrlFrom(ownerUrl, config.appDbPassword), 4);
  const p = paths(home);
  const modules = new ModulePool(config.modules.map((_, i) => new ModuleConnection(join(p.runDir, `module-${i + 1}.sock`))));
  await modules.identify();
  const ctx: ServerContext = {
    db,
    modules,
    caCertPem: await readFile(p.caCert, 'utf8'),
    licensingZip: DEFAULT_LICENSING_ZIP,
    haltThreshold: DEFAULT_HALT_THRESHOLD,
    shipTargets: [],
    durability: 'local',
    shipped: null,
    rollForward: async () => 0,
    repairMeter: async () => 0,
    metrics: createMetrics(),
    rateBook: new ModuleRateBook(modules),
    addresses: new BuiltInAddressVerifier(),
    addressCheck: DEFAULT_ADDRESS_CHECK_MODE,
    ach: achConfigFromEnv({ ...process.env, VAULTMETER_BANK_OUTBOX: join(home, 'bank-outbox') }),
    providerOutbox: new DirectoryTarget(join(home, 'provider-outbox')),
  };
  const app = await buildApp(ctx);
  return {
    app,
    ctx,
    close: async () => {
      await app.close();
      modules.close();
      await db.end();
    },
  };
}

interface Injected {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  json(): LooseJson;
}

/** An RFC 9457 problem with our code: the shape, the content type, the catalogue's status and title. */
export function expectProblem(expect: (v: unknown, msg?: string) => LooseJson, res: Injected, code: ErrorCode): LooseJson {
  const body = res.json();
  expect({ status: res.statusCode, code: body.code }, JSON.stringify(body)).toEqual({ status: ERRORS[code].status, code });
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
  expect(body).toMatchObject({ type: `https://vaultmeter.dev/problems/${code}`, title: ERRORS[code].title, status: ERRORS[code].status, code });
  expect(typeof body.detail).toBe('string');
  return body;
}

// The durable tables a refused request must leave as they were (sessions and module heartbeats move on their own).
const DURABLE = [
  'membership.customers',
  'membership.officers',
  'membership.profiles',
  'membership.bank_accounts',
  'commerce.funding_requests',
  'commerce.ach_files',
  'postal.meters',
  'postal.items',
  'postal.redemptions',
  'postal.idempotency',
  'postal.txlog',
  'support.approvals',
  'support.operator_actions',
];

/** One digest per durable table, to show that a refused request changed nothing. */
export async function durableDigest(db: pg.Client): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of DURABLE) {
    const r = await db.query(`SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS d FROM ${table} t`);
    out[table] = r.rows[0].d;
  }
  return out;
}
