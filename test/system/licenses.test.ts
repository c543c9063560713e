import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { MeterClient } from '../../src/sdk/index.js';
import { get, newTestOfficer, officerHeaders, post, refusalOf, type TestOfficer } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// Issue 18 item 1: meter licenses and meter movement, against the real processes. The tax id is
// sealed by a module; every change is a ledger effect; a movement is the module's own change.

const PW = 'correct horse battery';
const TAX_ID = '98-7654321';
const SCHEMAS = ['postal', 'membership', 'provider', 'commerce', 'support', 'staging'];

describe('meter licenses and movement', () => {
  let sys: TestSystem;
  let db: pg.Client;
  let lena: MeterClient;
  let operator: TestOfficer;
  let number = '';

  const issue = (body: Record<string, unknown>, officer: TestOfficer = sys.officer) => post(sys.url, '/v1/admin/licenses', body, officerHeaders(officer));
  const change = (action: string, reason = 'a test') => post(sys.url, `/v1/admin/licenses/${number}/${action}`, { reason }, officerHeaders(sys.officer));
  const rows = async () => (await db.query('SELECT license_number, status, licensing_zip FROM provider.meter_licenses ORDER BY issued_at')).rows;

  beforeAll(async () => {
    sys = await startSystem();
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    db = await sys.ownerDb();
    lena = await MeterClient.register(diskProfiles, sys.url, 'lena', PW);
    operator = await newTestOfficer(sys.url, [sys.officer, sys.secondOfficer], 'opal', 'operator', sys.dir);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await sys?.stop();
  });

  it('issues a license; the tax id is sealed by a module and is nowhere in clear', async () => {
    const r = await issue({ user: 'lena', taxId: TAX_ID, licensingZip: '90807' });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.license).toMatchObject({ user: 'lena', licensingZip: '90807', taxIdLast4: '4321', status: 'issued', issuedBy: sys.officer.user });
    number = String(r.json.license.licenseNumber);
    expect(number).toMatch(/^VM-\d{4}-[0-9A-F]{8}$/);
    const tables = await db.query<{ name: string }>(
      "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = ANY($1::text[])",
      [SCHEMAS],
    );
    for (const { name } of tables.rows) {
      const hits = await db.query(`SELECT 1 FROM ${name} t WHERE row_to_json(t)::text LIKE ANY($1) LIMIT 1`, [['%987654321%', '%98-7654321%']]);
      expect(hits.rowCount, name).toBe(0);
    }
    const log = await db.query<{ header: Buffer; body: Buffer }>('SELECT header, body FROM postal.txlog');
    for (const l of log.rows) expect(l.header.includes('987654321') || l.body.includes('987654321')).toBe(false);
    expect((await get(sys.url, '/v1/license', lena.sessionHeaders())).json.license).toMatchObject({ licenseNumber: number, status: 'issued' });
  });

  it('refuses a second live license, a bad tax id, and anyone but a security officer, changing nothing', async () => {
    const before = await rows();
    expect((await issue({ user: 'lena', taxId: TAX_ID })).json.code).toBe('license_exists');
    const other = await MeterClient.register(diskProfiles, sys.url, 'otto', PW);
    expect((await issue({ user: 'otto', taxId: '12345' })).json.code).toBe('invalid_tax_id');
    expect((await issue({ user: 'otto', taxId: '123456789' }, operator)).json.code).toBe('forbidden');
    expect((await issue({ user: 'nobody', taxId: '123456789' })).json.code).toBe('not_found');
    expect(await rows()).toEqual(before);
    expect((await get(sys.url, '/v1/license', other.sessionHeaders())).json).toEqual({ license: null, movements: [] });
  });

  it('suspends, reinstates and revokes with a reason; a revoked license is final, and a new one may follow', async () => {
    expect((await change('suspend', 'late report')).json.license).toMatchObject({ status: 'suspended', statusReason: 'late report' });
    expect((await change('suspend')).json.code).toBe('license_transition');
    expect((await change('reinstate')).json.license).toMatchObject({ status: 'issued' });
    expect((await change('revoke', 'customer left')).json.license).toMatchObject({ status: 'revoked' });
    expect((await change('reinstate')).json.code).toBe('license_transition');
    const again = await issue({ user: 'lena', taxId: TAX_ID });
    expect(again.status).toBe(200);
    number = String(again.json.license.licenseNumber);
    const events = await db.query("SELECT detail->>'status' AS status FROM support.audit_events WHERE kind = 'license_status_changed' ORDER BY event_id");
    expect(events.rows.map((e) => e.status)).toEqual(['suspended', 'issued', 'revoked']);
  });

  it('moves the meter: the module sets the new ZIP in the package, the license and the movement record follow', async () => {
    const moved = await lena.move('10001');
    expect(moved).toMatchObject({ toZip: '10001' });
    const license = await lena.license();
    expect(license.license).toMatchObject({ licenseNumber: number, licensingZip: '10001' });
    expect(license.movements).toEqual([{ movedAt: expect.any(String), fromZip: moved.fromZip, toZip: '10001' }]);
    // postal.meters keeps the ZIP the meter was provisioned with (the app role may not change it).
    expect((await db.query('SELECT licensing_zip FROM postal.meters WHERE meter_id = $1', [lena.meterId])).rows[0].licensing_zip).toBe(moved.fromZip);
    expect(await refusalOf(lena.move('10001'))).toEqual({ code: 'invalid_request', status: 400 });
    expect(await refusalOf(lena.move('1234'))).toEqual({ code: 'invalid_request', status: 400 });
    expect((await lena.balance()).arMills).toBe(0n);
  });
});
