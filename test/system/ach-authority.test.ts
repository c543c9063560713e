import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskProfiles } from '../../src/cli/index.js';
import { ModuleConnection } from '../../src/module/index.js';
import { moduleSockets } from '../../src/runtime/index.js';
import { addBankAccount, MeterClient } from '../../src/sdk/index.js';
import { officerHeaders, post } from './api-client.js';
import { startSystem, type TestSystem } from './harness.js';

// ACH funding against the threat model: with the API server's privileges (its module sockets) or
// as the database, no value arises from a debit the customer's MAC did not request, nor before the
// module's own settlement hold (the default 72 hours here), whatever the rows say.
describe("ACH settlement is the module's to allow", () => {
  let sys: TestSystem;
  let victor: MeterClient;
  let bankAccountId = '';
  beforeAll(async () => {
    sys = await startSystem({ VAULTMETER_POOL_SIZE: '1' });
    process.env.VAULTMETER_CLIENT_HOME = sys.env.VAULTMETER_CLIENT_HOME;
    victor = await MeterClient.register(diskProfiles, sys.url, 'victor', 'correct horse battery');
    bankAccountId = (await addBankAccount(victor, { routingNumber: '021000021', accountNumber: '123456789', accountType: 'checking', holderName: 'Victor' }))
      .bankAccountId;
  }, 120_000);
  afterAll(async () => sys?.stop());

  /** What the API server holds: a module socket, the stored package and the module's stored checkpoint. */
  async function settleAsTheServer(requestId: string): Promise<unknown> {
    const db = await sys.ownerDb();
    const m = new ModuleConnection((await moduleSockets(sys.env.VAULTMETER_HOME!))[0]!);
    try {
      const serial = (await m.call('info', {})).serial;
      const cp = (await db.query('SELECT checkpoint AS record, checkpoint_mac AS mac FROM postal.modules WHERE serial = $1', [serial])).rows[0];
      const checkpoint = cp.record ? { record: cp.record.toString('hex'), mac: cp.mac.toString('hex') } : null;
      const row = (await db.query('SELECT package, package_version FROM postal.meters WHERE meter_id = $1', [victor.meterId])).rows[0];
      const pkg = { meterId: victor.meterId, version: String(row.package_version), sealed: row.package.toString('base64') };
      return await m.call('debit', { pkg, requestId, action: 'settle', checkpoint }).then(
        () => 'settled',
        (e: { code?: string }) => e.code,
      );
    } finally {
      m.close();
      await db.end();
    }
  }

  it('a settlement of a debit the customer never requested, sent straight to a module, is refused', async () => {
    expect(await settleAsTheServer('cd'.repeat(16))).toBe('funding_request_unknown');
    expect((await victor.balance()).drMills).toBe(0n);
  });

  it("a real request settled early, on the socket or by rows the database holder rewrites, is refused by the module's hold", async () => {
    const r = await victor.requestFunding({ amountMills: 100_000n, bankAccountId });
    const officer = officerHeaders(sys.officer);
    expect((await post(sys.url, '/v1/admin/payments/run', { settle: false }, officer)).status).toBe(200);
    expect(await settleAsTheServer(r.requestId)).toBe('settlement_on_hold');
    // The database says the debit was requested and filed long ago: the server's own hold passes.
    const db = await sys.ownerDb();
    try {
      await db.query(
        `UPDATE commerce.funding_requests SET requested_at = now() - interval '30 days', filed_at = now() - interval '30 days' WHERE request_id = $1`,
        [r.requestId],
      );
    } finally {
      await db.end();
    }
    const ran = await post(sys.url, '/v1/admin/payments/run', { file: false }, officerHeaders(sys.officer));
    expect(ran.json.settled).toEqual([expect.objectContaining({ requestId: r.requestId, outcome: 'refused', code: 'settlement_on_hold' })]);
    expect((await victor.balance()).drMills).toBe(0n);
  });
});
