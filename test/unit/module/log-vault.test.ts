import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BACKUP_CHUNK_BYTES, REPLAY_MODULE_BATCH } from '../../../src/constants.js';
import { VaultError } from '../../../src/errors.js';
import { backupManifestBytes } from '../../../src/module/index.js';
import { LogVault } from '../../../src/module/log-vault.js';
import type {
  BackupChunkArgs,
  CheckpointWire,
  FundResult,
  LogRecordWire,
  OpenLogResult,
  SignBackupArgs,
  SignedHeadWire,
} from '../../../src/module/messages.js';
import { chainRecords, type ChainedRecord } from '../../../src/ledger/chain.js';
import type { LogBodyCrypto } from '../../../src/crypto/module-crypto.js';
import { newDomainKeys } from '../../../src/module/keystore.js';
import { SoftwareModuleCrypto } from '../../../src/module/software-crypto.js';
import { encodeHeader, GENESIS_HASH, recordHash, sealBody } from '../../../src/ledger/record.js';
import { registeredMeter, T0, type TestClient, officerFund } from '../helpers/engine.js';
import { GuardHarness } from '../helpers/guard.js';
import { flipByte, fundDrafts, headerOf, logKeys, publicKeyOf, recordOf } from '../helpers/txlog.js';

let h: GuardHarness;
let c: TestClient;
beforeEach(async () => {
  h = await GuardHarness.create(3);
  c = await registeredMeter(h.engine, T0);
});
afterEach(() => h.cleanup());

type Logged = FundResult & { checkpoint: CheckpointWire; logRecord: LogRecordWire; logHead: SignedHeadWire };
type WireRecord = { header: string; body: string; hash?: string };

const vault = <T>(op: 'openLog' | 'sealBackupChunk' | 'openBackupChunk' | 'signBackup', args: object) => h.guard.dispatch(op, args as never) as Promise<T>;
const openLog = (records: readonly WireRecord[]) => vault<OpenLogResult>('openLog', { records });

/** `n` funds through the guard: real records of this module's log. */
async function funds(n: number): Promise<LogRecordWire[]> {
  const out: LogRecordWire[] = [];
  for (let i = 0; i < n; i++) out.push((await h.call<Logged>('fund', { ...officerFund(c.pkg, String(100 * (i + 1))), logExtra: { i } })).logRecord);
  return out;
}

/** Records of log `logId` chained directly, sealed under the domain log key (as that module would). */
async function chained(logId: string, n: number, keys: Pick<LogBodyCrypto, 'sealLogBody'> = h.crypto): Promise<ChainedRecord[]> {
  return (await chainRecords(keys, logId, { seq: 0n, hash: GENESIS_HASH }, T0, fundDrafts(n))).records;
}

async function refused(p: Promise<unknown>, code: string, index?: number): Promise<VaultError> {
  const e = await p.then(
    () => expect.unreachable(`expected ${code}`),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(VaultError);
  expect((e as VaultError).code, (e as Error).message).toBe(code);
  if (index !== undefined) expect((e as VaultError).extra).toMatchObject({ index });
  return e as VaultError;
}

const flipBody = (r: WireRecord, i = 30): WireRecord => ({ ...r, body: flipByte(Buffer.from(r.body, 'base64'), i).toString('base64') });

describe('openLog', () => {
  it('returns the opened bodies, in order, with and without the hashes', async () => {
    const records = await funds(3);
    const { bodies } = await openLog(records);
    expect(bodies).toHaveLength(3);
    bodies.forEach((b, i) => expect(b).toMatchObject({ op: 'fund', amountMills: String(100 * (i + 1)), extra: { i } }));
    const noHash = await openLog(records.map(({ header, body }) => ({ header, body })));
    expect(noHash.bodies).toEqual(bodies);
  });

  it('opens no records: an empty list', async () => {
    expect(await openLog([])).toEqual({ bodies: [] });
  });

  it("opens records of another module's log of the same installation", async () => {
    const other = await chained('M-OTHER', 2);
    const { bodies } = await openLog(other);
    expect(bodies).toEqual(fundDrafts(2).map((d) => d.body));
  });

  it('does not touch the ring, needs no checkpoint, and runs beside the serial queue', async () => {
    const records = await funds(2);
    const ring = [...h.ring.entries];
    await openLog(records);
    await vault('signBackup', { backupId: 'bk-00000001', sha256: 'aa'.repeat(32), createdAt: 'now', logPosition: {} });
    expect(h.ring.entries).toEqual(ring);
    // A slow package op (provisioning makes a key and a certificate) does not hold up a vault op.
    const done: string[] = [];
    const slow = h.call('provision', { licensingZip: '20260' }).then(() => done.push('provision'));
    const fast = openLog(records).then(() => done.push('openLog'));
    await Promise.all([slow, fast]);
    expect(done).toEqual(['openLog', 'provision']);
  });

  it('a flipped body byte: log_record_invalid naming the index (hash check first, then the seal)', async () => {
    const records = await funds(3);
    const bad = [records[0]!, records[1]!, flipBody(records[2]!)];
    const e = await refused(openLog(bad), 'log_record_invalid', 2);
    expect(e.message).toMatch(/hash does not match/);
    const e2 = await refused(openLog(bad.map(({ header, body }) => ({ header, body }))), 'log_record_invalid', 2);
    expect(e2.message).toMatch(new RegExp(`record 2 of log ${h.serial}: the body fails authentication`));
  });

  it('every body byte matters', async () => {
    const [r] = await funds(1);
    const len = Buffer.from(r!.body, 'base64').length;
    // Byte 0 is the key version: flipped, it names a version the module does not hold.
    await refused(openLog([{ header: r!.header, body: flipBody(r!, 0).body }]), 'key_version_unknown', 0);
    for (let i = 1; i < len; i += 5) await refused(openLog([{ header: r!.header, body: flipBody(r!, i).body }]), 'log_record_invalid', 0);
  });

  it('a wrong hash: log_record_invalid naming the index', async () => {
    const records = await funds(3);
    await refused(openLog([records[0]!, { ...records[1]!, hash: records[0]!.hash }, records[2]!]), 'log_record_invalid', 1);
    await refused(openLog([{ ...records[0]!, hash: 'ff'.repeat(32) }]), 'log_record_invalid', 0);
    await refused(openLog([{ ...records[0]!, hash: '' }]), 'log_record_invalid', 0);
  });

  it('a record re-hashed after its body changed still fails the seal', async () => {
    const [r] = await funds(1);
    const changed = flipBody(r!);
    const rehashed = { ...changed, hash: recordHash(recordOf(changed)) };
    const e = await refused(openLog([rehashed]), 'log_record_invalid', 0);
    expect(e.message).toMatch(/fails authentication/);
  });

  it('a header changed (and re-hashed) no longer opens its body (the header is the associated data)', async () => {
    const [r] = await funds(1);
    const hdr = headerOf(r!);
    const header = encodeHeader({ ...hdr, drAfterMills: hdr.drAfterMills + 1_000_000n }).toString('hex');
    const forged = { header, body: r!.body };
    await refused(openLog([{ ...forged, hash: recordHash(recordOf(forged)) }]), 'log_record_invalid', 0);
    // A body moved under another record's header.
    const [a, b] = await funds(2);
    await refused(openLog([a!, { header: b!.header, body: a!.body }]), 'log_record_invalid', 1);
  });

  it('a header that is not hex, or not a v1 header: log_record_invalid naming the index', async () => {
    const [r] = await funds(1);
    for (const header of ['', 'zz', 'abc', r!.header.toUpperCase(), `${r!.header}0`, 42, null, undefined]) {
      const e = await refused(openLog([r!, { header: header as never, body: r!.body }]), 'log_record_invalid', 1);
      expect(e.message).toMatch(/record 1: the header is/);
    }
    await refused(openLog([r!, r!, { header: randomBytes(40).toString('hex'), body: r!.body }]), 'log_record_invalid', 2);
    await refused(openLog([{ header: r!.header.slice(0, -2), body: r!.body }]), 'log_record_invalid', 0);
  });

  it("a record sealed under another installation's log key, or under another log's key, fails", async () => {
    await refused(openLog(await chained(h.serial, 1, logKeys(randomBytes(32)))), 'log_record_invalid', 0);
    // The header says M-OTHER but the body was sealed with this module's log key.
    const header = (await chained('M-OTHER', 1))[0]!.header;
    const body = (await sealBody(h.crypto, h.serial, Buffer.from(header, 'hex'), { op: 'fund' })).toString('base64');
    await refused(openLog([{ header, body }]), 'log_record_invalid', 0);
  });

  it(`more than REPLAY_MODULE_BATCH (${REPLAY_MODULE_BATCH}) records, or no list: invalid_request`, async () => {
    const many = await chained(h.serial, REPLAY_MODULE_BATCH + 1);
    expect((await openLog(many.slice(0, REPLAY_MODULE_BATCH))).bodies).toHaveLength(REPLAY_MODULE_BATCH);
    await refused(openLog(many), 'invalid_request');
    await refused(vault('openLog', {}), 'invalid_request');
    await refused(vault('openLog', { records: 'all' }), 'invalid_request');
  });
});

describe('backup chunks', () => {
  const args = (over: Partial<BackupChunkArgs> = {}): BackupChunkArgs => ({ backupId: 'bk-20260314-0001', index: 3, last: false, data: '', ...over });
  const sealChunk = (plain: Buffer, over: Partial<BackupChunkArgs> = {}) =>
    vault<{ sealed: string }>('sealBackupChunk', args({ ...over, data: plain.toString('base64') }));
  const openChunk = (sealed: string, over: Partial<BackupChunkArgs> = {}) => vault<{ data: string }>('openBackupChunk', args({ ...over, data: sealed }));

  it('seal then open round-trips the bytes (empty, small, and the largest chunk)', async () => {
    for (const plain of [Buffer.alloc(0), Buffer.from('{"table":"postal.meters","row":{}}\n'), randomBytes(MAX_BACKUP_CHUNK_BYTES)]) {
      const { sealed } = await sealChunk(plain);
      const sealedBytes = Buffer.from(sealed, 'base64');
      expect(sealedBytes.length).toBe(plain.length + 29); // key version, IV, tag
      if (plain.length > 16) expect(sealedBytes.includes(plain.subarray(0, 16))).toBe(false);
      const { data } = await openChunk(sealed);
      expect(Buffer.from(data, 'base64').equals(plain)).toBe(true);
    }
  });

  it('the last chunk round-trips with last: true', async () => {
    const plain = randomBytes(100);
    const { sealed } = await sealChunk(plain, { last: true, index: 0 });
    expect(Buffer.from((await openChunk(sealed, { last: true, index: 0 })).data, 'base64').equals(plain)).toBe(true);
  });

  it('open with another index, last flag or backup id: backup_invalid', async () => {
    const { sealed } = await sealChunk(randomBytes(64));
    await refused(openChunk(sealed, { index: 4 }), 'backup_invalid');
    await refused(openChunk(sealed, { index: 2 }), 'backup_invalid');
    await refused(openChunk(sealed, { last: true }), 'backup_invalid');
    await refused(openChunk(sealed, { backupId: 'bk-20260314-0002' }), 'backup_invalid');
    // The message names the backup and the chunk.
    const e = await refused(openChunk(sealed, { index: 9 }), 'backup_invalid');
    expect(e.message).toMatch(/bk-20260314-0001: chunk 9 fails authentication/);
  });

  it('a flipped or cut sealed chunk: backup_invalid', async () => {
    const { sealed } = await sealChunk(randomBytes(64));
    const bytes = Buffer.from(sealed, 'base64');
    // Byte 0 is the key version: flipped, it names a version the module does not hold.
    await refused(openChunk(flipByte(bytes, 0).toString('base64')), 'key_version_unknown');
    for (let i = 1; i < bytes.length; i += 9) await refused(openChunk(flipByte(bytes, i).toString('base64')), 'backup_invalid');
    await refused(openChunk(bytes.subarray(0, -1).toString('base64')), 'backup_invalid');
    await refused(openChunk(''), 'backup_invalid');
  });

  it("another installation's vault (another log key) cannot open the chunk", async () => {
    const { sealed } = await sealChunk(randomBytes(64));
    const ks = h.keystore;
    const foreign = new LogVault(new SoftwareModuleCrypto({ ...ks, domain: newDomainKeys(ks.domain.caPrivatePkcs8, ks.domain.caCertPem) }));
    await expect(foreign.openBackupChunk(args({ data: sealed }))).rejects.toThrowError(expect.objectContaining({ code: 'backup_invalid' }));
  });

  it('a chunk over MAX_BACKUP_CHUNK_BYTES is refused', async () => {
    await refused(sealChunk(Buffer.alloc(MAX_BACKUP_CHUNK_BYTES + 1)), 'invalid_request');
  });

  it('a bad backup id or chunk index is refused before any crypto', async () => {
    for (const backupId of ['short', 'has space in it', 'x'.repeat(65), 'slash/inside', '', 7]) {
      await refused(sealChunk(Buffer.from('x'), { backupId: backupId as never }), 'invalid_request');
      await refused(openChunk('AAAA', { backupId: backupId as never }), 'invalid_request');
    }
    for (const index of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '0', null]) {
      await refused(sealChunk(Buffer.from('x'), { index: index as never }), 'invalid_request');
      await refused(openChunk('AAAA', { index: index as never }), 'invalid_request');
    }
  });
});

describe('signBackup', () => {
  const manifest = (over: Partial<SignBackupArgs> = {}): SignBackupArgs => ({
    backupId: 'bk-20260314-0001',
    sha256: createHash('sha256').update('backup body').digest('hex'),
    createdAt: '2026-03-14T15:00:00.000Z',
    logPosition: { [h.serial]: '120', 'M-OTHER': '7' },
    ...over,
  });
  const valid = (m: SignBackupArgs, signature: string) =>
    verify('sha256', backupManifestBytes(m), publicKeyOf(h.keystore.identity.certPem), Buffer.from(signature, 'hex'));

  it('signs with the module identity: the signature verifies with the module certificate over backupManifestBytes', async () => {
    const m = manifest();
    const r = await vault<{ signature: string; signer: string }>('signBackup', m);
    expect(r.signer).toBe(h.serial);
    expect(r.signature).toMatch(/^([0-9a-f]{2})+$/);
    expect(valid(m, r.signature)).toBe(true);
    // The certificate the module reports is the one that verifies.
    const info = (await h.guard.dispatch('info', {})) as { certPem: string };
    expect(verify('sha256', backupManifestBytes(m), publicKeyOf(info.certPem), Buffer.from(r.signature, 'hex'))).toBe(true);
  });

  it('the order of the log position keys does not matter', async () => {
    const m = manifest();
    const { signature } = await vault<{ signature: string }>('signBackup', m);
    expect(valid({ ...m, logPosition: { 'M-OTHER': '7', [h.serial]: '120' } }, signature)).toBe(true);
  });

  it('fails when the log position changes (a seq, a log added or dropped)', async () => {
    const m = manifest();
    const { signature } = await vault<{ signature: string }>('signBackup', m);
    expect(valid({ ...m, logPosition: { [h.serial]: '121', 'M-OTHER': '7' } }, signature)).toBe(false);
    expect(valid({ ...m, logPosition: { [h.serial]: '120', 'M-OTHER': '6' } }, signature)).toBe(false);
    expect(valid({ ...m, logPosition: { [h.serial]: '120' } }, signature)).toBe(false);
    expect(valid({ ...m, logPosition: { [h.serial]: '120', 'M-OTHER': '7', 'M-THIRD': '1' } }, signature)).toBe(false);
    expect(valid({ ...m, logPosition: {} }, signature)).toBe(false);
  });

  it('fails when the id, the digest or the time changes', async () => {
    const m = manifest();
    const { signature } = await vault<{ signature: string }>('signBackup', m);
    expect(valid({ ...m, backupId: 'bk-20260314-0002' }, signature)).toBe(false);
    expect(valid({ ...m, sha256: 'ff'.repeat(32) }, signature)).toBe(false);
    expect(valid({ ...m, createdAt: '2026-03-14T15:00:00.001Z' }, signature)).toBe(false);
  });

  it('a signature by another key does not verify as the module', async () => {
    const m = manifest();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(valid(m, sign('sha256', backupManifestBytes(m), privateKey).toString('hex'))).toBe(false);
  });

  it('backupManifestBytes is domain-separated and refuses a malformed manifest', async () => {
    expect(backupManifestBytes(manifest()).includes(Buffer.from('vaultmeter/backup-manifest/v1'))).toBe(true);
    for (const bad of [{ sha256: 'AA'.repeat(32) }, { sha256: 'aa' }, { backupId: 5 }, { logPosition: null }, { logPosition: 'x' }]) {
      expect(() => backupManifestBytes(manifest(bad as never))).toThrowError(expect.objectContaining({ code: 'invalid_request' }));
      await refused(vault('signBackup', manifest(bad as never)), 'invalid_request');
    }
  });
});
