import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, MeterClient, type PrintedItem } from '../../src/sdk/index.js';
import { diskProfiles } from '../../src/cli/index.js';
import { fundAs, type TestOfficer } from './api-client.js';
import { join } from 'node:path';
import { auditEvents, checkpointSeqs, restoreSnapshot, takeSnapshot } from './db-snapshot.js';
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

// A stale database: snapshot, print more, restore the snapshot. Within the ring the modules
// auto-recover and log exactly the discarded transactions; beyond it they are inhibited and, at the
// threshold, the system halts.
describe.each([1, 2])('stale database, halt threshold %i', (threshold) => {
  let sys: TestSystem;
  let client: MeterClient;

  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_HALT_THRESHOLD: String(threshold), VAULTMETER_POOL_SIZE: '0', VAULTMETER_RING_SIZE: String(RING) });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    client = await MeterClient.register(diskProfiles, sys.url, 'erin', PW);
    expect((await fundAs(sys.url, sys.officer, 'erin', '50000')).status).toBe(200);
    await client.balance();
  });
  afterAll(async () => sys?.stop());

  it('within the ring: each module auto-recovers and logs exactly the discarded transactions', async () => {
    const db = await sys.ownerDb();
    try {
      await takeSnapshot(db, 'snap_within');
      const before = await checkpointSeqs(db);
      const printed = [await client.print(printRequest(101n)), await client.print(printRequest(102n))];
      const after = await checkpointSeqs(db);
      for (const [serial, seq] of after) expect(seq - before.get(serial)!).toBeLessThan(RING);
      await restoreSnapshot(db, 'snap_within');

      // The client notices the rollback itself; an operator who accepts it carries on.
      await failure(MeterClient.login(diskProfiles, 'erin', PW)).then((e) => expect(e.code).toBe('registers_rolled_back'));
      client = await MeterClient.login(diskProfiles, 'erin', PW, { acceptRegisters: true });
      for (let i = 0; i < 4; i++) await client.balance(); // reaches both modules

      const discarded = await auditEvents(db, 'transaction_discarded');
      expect(discarded).toHaveLength(2);
      expect(discarded.map((e) => e.detail.type).sort()).toEqual(['print', 'print']);
      expect(discarded.map((e) => e.detail.amountMills).sort()).toEqual(['101', '102']);
      expect(discarded.every((e) => e.meter_id === client.meterId)).toBe(true);
      expect(discarded.map((e) => e.detail.arMills).sort()).toEqual([printed[0]!.arMills.toString(), printed[1]!.arMills.toString()].sort());
      expect((await auditEvents(db, 'checkpoint_recovered')).length).toBeGreaterThanOrEqual(1);
      expect(await auditEvents(db, 'module_inhibited')).toHaveLength(0);
      const b = await client.balance();
      expect(b.arMills + b.drMills).toBe(b.controlTotalMills);
    } finally {
      await db.end();
    }
  });

  it('beyond the ring: modules are inhibited and the system halts at the threshold', async () => {
    const db = await sys.ownerDb();
    try {
      await takeSnapshot(db, 'snap_beyond');
      for (let i = 0; i < 4 * RING; i++) await client.print(printRequest());
      await restoreSnapshot(db, 'snap_beyond');
      client = await MeterClient.login(diskProfiles, 'erin', PW, { acceptRegisters: true }).catch((e) => e);
      const e = client instanceof ApiError ? client : await failure((client as MeterClient).balance());
      expect(e.code).toBe('system_halted');
      expect(e.status).toBe(503);

      const inhibited = await auditEvents(db, 'module_inhibited');
      expect(inhibited).toHaveLength(threshold);
      expect(await auditEvents(db, 'system_halted')).toHaveLength(1);
      const modules = await sys.cli([
        'admin',
        'modules',
        '--server',
        sys.url,
        '--officer',
        sys.officer.user,
        '--officer-password',
        sys.officer.password,
        '--json',
      ]);
      expect(modules.code, modules.stderr).toBe(0);
      expect(modules.json.halted).toBe(true);
      expect(modules.json.modules.filter((m: LooseJson) => m.state === 'inhibited')).toHaveLength(threshold);

      // Reads, verification and operator commands still work while halted.
      expect((await fetch(`${sys.url}/v1/ca`)).status).toBe(200);
      expect((await (await fetch(`${sys.url}/v1/health`)).json()).halted).toBe(true);
      const fund = await fundAs(sys.url, sys.officer, 'erin', '1000');
      expect(fund.json.code).toBe('system_halted');
    } finally {
      await db.end();
    }
  });

  it('clearing the halt and reinstating a module take two different security officers', async () => {
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

    /** The operator's recovery round: reinstate every inhibited module (dual control), clear the halt if set. */
    const round = async () => {
      const table = (await sys.cli(['admin', 'modules', ...officer])).json;
      for (const m of table.modules.filter((x: LooseJson) => x.state === 'inhibited')) {
        const r = await sys.cli(['admin', 'modules', 'reinstate', '--module', m.serial, ...second]);
        expect(r.code, r.stderr).toBe(0);
        const a = await sys.cli(['admin', 'approve', r.json.approval.id, ...officer]);
        expect(a.code, a.stderr).toBe(0);
      }
      if (table.halted) {
        const c = await sys.cli(['admin', 'halt', 'clear', ...officer]);
        expect((await sys.cli(['admin', 'approve', c.json.approval.id, ...second])).code).toBe(0);
      }
    };
    await round();
    // At threshold 1 the first inhibition halted the system before the other (equally stale) module
    // was touched: it is inhibited on its first use (a print, or an operator action it logs), and may
    // take a second round.
    let rounds = 1;
    for (;;) {
      const attempt: PrintedItem | ApiError = await MeterClient.login(diskProfiles, 'erin', PW, { acceptRegisters: true })
        .then(async (c) => c.print(printRequest()))
        .catch((e: ApiError) => e);
      if (!(attempt instanceof ApiError)) {
        expect(attempt.arMills + attempt.drMills).toBe(attempt.controlTotalMills);
        break;
      }
      expect(attempt.code).toBe('system_halted');
      expect(rounds).toBeLessThan(2);
      await round();
      rounds++;
    }
    if (threshold === 2) expect(rounds).toBe(1);
    const after = (await sys.cli(['admin', 'modules', ...officer])).json;
    expect(after.halted).toBe(false);
    expect(after.modules.every((m: LooseJson) => m.state === 'active')).toBe(true);
    const kinds = (await sys.cli(['admin', 'events', ...officer])).json.events.map((e: LooseJson) => e.kind);
    for (const k of ['approval_requested', 'approval_granted', 'halt_cleared', 'module_reinstated', 'officer_created']) expect(kinds).toContain(k);
  });
});

describe('checkpoint rows that are forged, foreign, or left behind by a failed commit', () => {
  let sys: TestSystem;
  let client: MeterClient;
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '0' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
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
