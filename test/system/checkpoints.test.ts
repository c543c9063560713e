import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs, post, type TestOfficer } from './api-client.js';
import { join } from 'node:path';
import { auditEvents, releaseJournals, restoreSnapshot, takeSnapshot } from './db-snapshot.js';
import { startSystem, type TestSystem } from './harness.js';
import type { LooseJson } from '../helpers/loose-json.js';

const PW = 'correct horse battery';
const RING = 3;

function printRequest(amountMills = 730n) {
  return { amountMills, originZip: '90807', destination: '10001', date: new Date().toISOString().slice(0, 10), rateCategory: 'FCM-LETTER', weightTenthOz: 10 };
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

// Beyond what can be proven: the database is put back to an older copy after the modules' journals
// let go of the transactions it lacks (as if the shipper had them off-site), and the shipped log
// does not hold them. The module that witnessed them is inhibited (the system halts at the
// threshold), and the meter it proves further along is held as `unproven`: it never runs on the
// stale registers, on any module, and its delivered items stay valid.
describe.each([1, 2])('a stale database beyond what can be proven, halt threshold %i', (threshold) => {
  let sys: TestSystem;
  let client: MeterClient;
  const delivered: PrintedItem[] = [];

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_HALT_THRESHOLD: String(threshold), VAULTMETER_POOL_SIZE: '0', VAULTMETER_RING_SIZE: String(RING) });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    client = await MeterClient.register(diskProfiles, sys.url, 'erin', PW);
    expect((await fundAs(sys.url, sys.officer, 'erin', '50000')).status).toBe(200);
    await client.balance();
  });
  afterAll(async () => sys?.stop());

  it('the witness is inhibited, the meter is held unproven on every module, and its items stay valid', async () => {
    const db = await sys.ownerDb();
    try {
      await takeSnapshot(db, 'snap_beyond');
      for (let i = 0; i < 4 * RING; i++) delivered.push(await client.print(printRequest()));
      await releaseJournals(sys, db);
      await restoreSnapshot(db, 'snap_beyond');

      const e = await failure(MeterClient.login(diskProfiles, 'erin', PW));
      expect(e.code).toBe(threshold === 1 ? 'system_halted' : 'meter_unproven');
      expect(await auditEvents(db, 'module_inhibited')).toHaveLength(1);
      expect(await auditEvents(db, 'system_halted')).toHaveLength(threshold === 1 ? 1 : 0);
      const held = await auditEvents(db, 'meter_unproven');
      expect(held).toHaveLength(1);
      expect(held[0]!.meter_id).toBe(client.meterId);
      const last = delivered[delivered.length - 1]!;
      expect(held[0]!.detail.arMills).toBe(last.arMills.toString());
      expect(held[0]!.detail.drMills).toBe(last.drMills.toString());
      expect((await db.query('SELECT status FROM postal.meters WHERE meter_id = $1', [client.meterId])).rows[0].status).toBe('unproven');
      for (const d of delivered) {
        const v = await post(sys.url, '/v1/verify', { itemBase64: d.itemBytes.toString('base64') });
        expect(v.json.valid, JSON.stringify(v.json)).toBe(true);
      }
      // Reads, verification and operator commands still work.
      expect((await fetch(`${sys.url}/v1/ca`)).status).toBe(200);
      expect((await (await fetch(`${sys.url}/v1/health`)).json()).halted).toBe(threshold === 1);
    } finally {
      await db.end();
    }
  });

  it('clearing the halt and reinstating a module take two different security officers; the held meter stays held', async () => {
    const as = (o: TestOfficer) => ['--server', sys.url, '--officer', o.user, '--officer-password', o.password, '--officer-key', o.keyFile, '--json'];
    const officer = as(sys.officer);
    const bootstrap = as(sys.secondOfficer);
    // A third security officer, certified on the two bootstrap officers' signatures.
    const keyFile = join(sys.dir, 'second.officer.json');
    const added = await sys.cli([
      'admin',
      'officers',
      'add',
      '--new-officer',
      'second',
      '--out',
      keyFile,
      ...bootstrap,
      '--cosigner-key',
      sys.officer.keyFile,
      '--cosigner-password',
      sys.officer.password,
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json.officer.certificatePem).toContain('BEGIN CERTIFICATE');
    const second = as({ user: 'second', password: added.json.officer.password, keyFile });

    const req = await sys.cli(['admin', 'halt', 'clear', ...officer]);
    expect(req.code, req.stderr).toBe(0);
    const self = await sys.cli(['admin', 'approve', req.json.approval.id, ...officer]);
    expect(self.code).toBe(1);
    expect(self.json.error.code).toBe('dual_control');
    const ok = await sys.cli(['admin', 'approve', req.json.approval.id, ...second]);
    expect(ok.code, ok.stderr).toBe(0);
    const again = await sys.cli(['admin', 'approve', req.json.approval.id, ...second]);
    expect(again.json.error.code).toBe('approval_not_pending');

    const table = (await sys.cli(['admin', 'modules', ...officer])).json;
    const inhibited = table.modules.filter((x: LooseJson) => x.state === 'inhibited');
    expect(inhibited).toHaveLength(1);
    const r = await sys.cli(['admin', 'modules', 'reinstate', '--module', inhibited[0].serial, ...second]);
    expect(r.code, r.stderr).toBe(0);
    const a = await sys.cli(['admin', 'approve', r.json.approval.id, ...officer]);
    expect(a.code, a.stderr).toBe(0);
    const after = (await sys.cli(['admin', 'modules', ...officer])).json;
    expect(after.halted).toBe(false);
    expect(after.modules.every((m: LooseJson) => m.state === 'active')).toBe(true);

    // The system serves again; the held meter does not, on any module, until officers reconcile it.
    const frank = await MeterClient.register(diskProfiles, sys.url, 'frank', PW);
    expect((await fundAs(sys.url, sys.officer, 'frank', '1000')).status).toBe(200);
    const printed = await frank.print(printRequest());
    expect(printed.arMills + printed.drMills).toBe(printed.controlTotalMills);
    for (let i = 0; i < 3; i++) {
      const held = await failure(MeterClient.login(diskProfiles, 'erin', PW));
      expect(held.code).toBe('meter_unproven');
      expect(held.status).toBe(423);
    }
    const kinds = (await sys.cli(['admin', 'events', ...officer])).json.events.map((e: LooseJson) => e.kind);
    for (const k of ['approval_requested', 'approval_granted', 'halt_cleared', 'module_reinstated', 'officer_created', 'meter_unproven'])
      expect(kinds).toContain(k);
  });
});

describe('checkpoint rows that are forged, foreign, or left behind by a failed commit', () => {
  let sys: TestSystem;
  let client: MeterClient;
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    await MeterClient.register(diskProfiles, sys.url, 'gwen', PW);
    client = await MeterClient.register(diskProfiles, sys.url, 'finn', PW);
    await fundAs(sys.url, sys.officer, 'finn', '50000');
    await client.balance();
  });
  afterAll(async () => sys?.stop());

  it('refuses a forged checkpoint row and never recovers into it', async () => {
    const db = await sys.ownerDb();
    try {
      const saved = (await db.query('SELECT serial, checkpoint, checkpoint_mac FROM postal.modules')).rows;
      await db.query("UPDATE postal.modules SET checkpoint_mac = decode(repeat('ab', 32), 'hex')");
      const e = await failure(client.balance());
      expect(e.code).toBe('checkpoint_forged');
      expect(await auditEvents(db, 'module_inhibited')).toHaveLength(0);
      for (const r of saved) await db.query('UPDATE postal.modules SET checkpoint_mac = $2 WHERE serial = $1', [r.serial, r.checkpoint_mac]);
      await client.balance();
      expect(await auditEvents(db, 'transaction_discarded')).toHaveLength(0);
    } finally {
      await db.end();
    }
  });

  it("refuses another module's checkpoint row", async () => {
    const db = await sys.ownerDb();
    try {
      const rows = (await db.query('SELECT serial, checkpoint, checkpoint_mac FROM postal.modules ORDER BY serial')).rows;
      expect(rows).toHaveLength(2);
      // Both modules have acted (a second customer's meter was provisioned round-robin): no row is empty.
      expect(rows.every((r) => r.checkpoint !== null)).toBe(true);
      const [a, b] = rows;
      const put = (serial: string, r: { checkpoint: unknown; checkpoint_mac: unknown }) =>
        db.query('UPDATE postal.modules SET checkpoint = $2, checkpoint_mac = $3 WHERE serial = $1', [serial, r.checkpoint, r.checkpoint_mac]);
      await put(a.serial, b);
      await put(b.serial, a);
      const e = await failure(client.balance());
      expect(e.code).toBe('checkpoint_foreign');
      await put(a.serial, a);
      await put(b.serial, b);
      await client.balance();
    } finally {
      await db.end();
    }
  });

  it('a commit that fails after the module acted gives the client an error and no item; the module recovers', async () => {
    const db = await sys.ownerDb();
    try {
      await db.query(`CREATE OR REPLACE FUNCTION postal.fail_666() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected commit failure'; END $$`);
      await db.query('CREATE TRIGGER fail_666 BEFORE INSERT ON postal.items FOR EACH ROW WHEN (NEW.amount_mills = 666) EXECUTE FUNCTION postal.fail_666()');
      const before = await client.balance();
      const items = Number((await db.query('SELECT count(*) FROM postal.items')).rows[0].count);
      const e = await failure(client.print(printRequest(666n)));
      expect(e.status).toBe(500);
      expect(Number((await db.query('SELECT count(*) FROM postal.items')).rows[0].count)).toBe(items);
      await db.query('DROP TRIGGER fail_666 ON postal.items');
      for (let i = 0; i < 3; i++) await client.balance(); // the next command on that module recovers
      const after = await client.balance();
      expect([after.arMills, after.drMills, after.controlTotalMills]).toEqual([before.arMills, before.drMills, before.controlTotalMills]);
      const discarded = await auditEvents(db, 'transaction_discarded');
      expect(discarded).toHaveLength(1);
      expect(discarded[0].detail).toMatchObject({ type: 'print', amountMills: '666' });
    } finally {
      await db.end();
    }
  });
});
