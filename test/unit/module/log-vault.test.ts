import { createHash, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BACKUP_CHUNK_BYTES, MAX_OPEN_BACKUPS, REPLAY_MODULE_BATCH } from '../../../src/constants.js';
import { VaultError } from '../../../src/errors.js';
import { backupManifestBytes } from '../../../src/module/index.js';
import { LogVault } from '../../../src/module/log-vault.js';
import { validateArgs } from '../../../src/module/op-args.js';
import type {
  BackupChunkArgs,
  CheckpointWire,
  FundResult,
  LogRecordWire,
  BackupManifestFields,
  OpenLogResult,
  SignBackupResult,
  SignedHeadWire,
} from '../../../src/module/messages.js';
import { chainRecords, type ChainedRecord } from '../../../src/ledger/chain.js';
import { backupDigest, frameChunk } from '../../../src/ledger/index.js';
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

const vault = <T>(op: 'openLog' | 'beginBackup' | 'sealBackupChunk' | 'openBackupChunk' | 'signBackup', args: object) =>
  h.guard.dispatch(op, args as never) as Promise<T>;
const openLog = (records: readonly WireRecord[]) => vault<OpenLogResult>('openLog', { records });

/** `n` funds through the guard: real records of this module's log. */
async function funds(n: number): Promise<LogRecordWire[]> {
  const out: LogRecordWire[] = [];
  for (let i = 0; i < n; i++) {
    const r = await h.call<Logged>('fund', { ...officerFund(c.pkg, String(100 * (i + 1))), logExtra: { i } });
    c.pkg = r.package;
    out.push(r.logRecord);
  }
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
    await vault('beginBackup', { backupId: 'bk-00000001', home: HOME.toString('base64') });
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

/** A snapshot as createBackup writes it: JSON Lines of {"t": table, "r": row}. */
const rowsOf = (rows: readonly [string, object][]) => Buffer.from(rows.map(([t, r]) => `${JSON.stringify({ t, r })}\n`).join(''));
const HOME = Buffer.from('{"installationName":"test","modules":[]}\n');
let ids = 0;
const newId = () => `bk-20260314-${String(++ids).padStart(4, '0')}`;

describe('backup chunks', () => {
  const args = (over: Partial<BackupChunkArgs> = {}): BackupChunkArgs => ({ backupId: 'bk-20260314-0001', index: 0, last: false, data: '', ...over });
  /** Seal `plain` as chunk `index` of a fresh backup (chunks before it empty). */
  const sealChunk = async (plain: Buffer, over: Partial<BackupChunkArgs> = {}) => {
    const a = args({ backupId: newId(), ...over, data: plain.toString('base64') });
    await vault('beginBackup', { backupId: a.backupId, home: HOME.toString('base64') });
    for (let i = 0; i < a.index; i++) await vault('sealBackupChunk', { ...a, index: i, last: false, data: '' });
    return { ...(await vault<{ sealed: string }>('sealBackupChunk', a)), backupId: a.backupId };
  };
  const openChunk = (sealed: string, over: Partial<BackupChunkArgs> = {}) => vault<{ data: string }>('openBackupChunk', args({ ...over, data: sealed }));

  it('seal then open round-trips the bytes (empty, small, and the largest chunk)', async () => {
    for (const plain of [Buffer.alloc(0), Buffer.from('{"table":"postal.meters","row":{}}\n'), randomBytes(MAX_BACKUP_CHUNK_BYTES)]) {
      const { sealed, backupId } = await sealChunk(plain, { index: 3 });
      const sealedBytes = Buffer.from(sealed, 'base64');
      expect(sealedBytes.length).toBe(plain.length + 29); // key version, IV, tag
      if (plain.length > 16) expect(sealedBytes.includes(plain.subarray(0, 16))).toBe(false);
      const { data } = await openChunk(sealed, { backupId, index: 3 });
      expect(Buffer.from(data, 'base64').equals(plain)).toBe(true);
    }
  });

  it('the last chunk round-trips with last: true', async () => {
    const plain = randomBytes(100);
    const { sealed, backupId } = await sealChunk(plain, { last: true, index: 0 });
    expect(Buffer.from((await openChunk(sealed, { backupId, last: true, index: 0 })).data, 'base64').equals(plain)).toBe(true);
  });

  it('open with another index, last flag or backup id: backup_invalid', async () => {
    const { sealed, backupId } = await sealChunk(randomBytes(64), { index: 3 });
    await refused(openChunk(sealed, { backupId, index: 4 }), 'backup_invalid');
    await refused(openChunk(sealed, { backupId, index: 2 }), 'backup_invalid');
    await refused(openChunk(sealed, { backupId, index: 3, last: true }), 'backup_invalid');
    await refused(openChunk(sealed, { backupId: 'bk-20260314-9999', index: 3 }), 'backup_invalid');
    // The message names the backup and the chunk.
    const e = await refused(openChunk(sealed, { backupId, index: 9 }), 'backup_invalid');
    expect(e.message).toMatch(new RegExp(`${backupId}: chunk 9 fails authentication`));
  });

  it('a flipped or cut sealed chunk: backup_invalid', async () => {
    const { sealed, backupId } = await sealChunk(randomBytes(64));
    const bytes = Buffer.from(sealed, 'base64');
    // Byte 0 is the key version: flipped, it names a version the module does not hold.
    await refused(openChunk(flipByte(bytes, 0).toString('base64'), { backupId }), 'key_version_unknown');
    for (let i = 1; i < bytes.length; i += 9) await refused(openChunk(flipByte(bytes, i).toString('base64'), { backupId }), 'backup_invalid');
    await refused(openChunk(bytes.subarray(0, -1).toString('base64'), { backupId }), 'backup_invalid');
    await refused(openChunk('', { backupId }), 'backup_invalid');
  });

  it("another installation's vault (another log key) cannot open the chunk", async () => {
    const { sealed, backupId } = await sealChunk(randomBytes(64));
    const ks = h.keystore;
    const self = { now: () => T0, logHeadSeq: () => 0n };
    const foreign = new LogVault(new SoftwareModuleCrypto({ ...ks, domain: newDomainKeys(ks.domain.caPrivatePkcs8, ks.domain.caCertPem) }), self);
    await expect(foreign.openBackupChunk(args({ backupId, data: sealed }))).rejects.toThrowError(expect.objectContaining({ code: 'backup_invalid' }));
  });

  it('a chunk over MAX_BACKUP_CHUNK_BYTES is refused', async () => {
    await refused(sealChunk(Buffer.alloc(MAX_BACKUP_CHUNK_BYTES + 1)), 'invalid_request');
  });

  it('a bad backup id or chunk index is refused before any crypto', async () => {
    for (const backupId of ['short', 'has space in it', 'x'.repeat(65), 'slash/inside', '', 7]) {
      await refused(vault('beginBackup', { backupId, home: HOME.toString('base64') }), 'invalid_request');
      await refused(vault('sealBackupChunk', args({ backupId: backupId as never })), 'invalid_request');
      await refused(openChunk('AAAA', { backupId: backupId as never }), 'invalid_request');
    }
    for (const index of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, '0', null]) {
      await refused(vault('sealBackupChunk', args({ index: index as never })), 'invalid_request');
      await refused(openChunk('AAAA', { index: index as never }), 'invalid_request');
    }
  });

  it('seals only chunks of a begun backup, in order, once each, and nothing after the last', async () => {
    const backupId = newId();
    const seal = (index: number, last = false) => vault('sealBackupChunk', args({ backupId, index, last }));
    await refused(seal(0), 'backup_refused'); // not begun
    await vault('beginBackup', { backupId, home: HOME.toString('base64') });
    await refused(vault('beginBackup', { backupId, home: HOME.toString('base64') }), 'backup_refused');
    await refused(seal(1), 'backup_refused');
    await seal(0);
    await refused(seal(0), 'backup_refused');
    await seal(1, true);
    await refused(seal(2), 'backup_refused');
    await refused(vault('beginBackup', { backupId: newId(), home: 'eA==' }), 'invalid_request'); // a home is one whole line
  });

  it(`keeps at most MAX_OPEN_BACKUPS (${MAX_OPEN_BACKUPS}) backups open: beginning another forgets the oldest`, async () => {
    const open = Array.from({ length: MAX_OPEN_BACKUPS + 1 }, newId);
    for (const backupId of open) await vault('beginBackup', { backupId, home: HOME.toString('base64') });
    await refused(vault('sealBackupChunk', args({ backupId: open[0]! })), 'backup_refused');
    for (const backupId of open.slice(1)) await vault('sealBackupChunk', args({ backupId }));
  });
});

describe('signBackup', () => {
  const TABLES = ['postal.meters', 'postal.txlog', 'support.backups'];
  const snapshot = rowsOf([
    ['postal.meters', { meter_id: 'a' }],
    ['postal.txlog', { log_id: 'M-OTHER', seq: 7 }],
    ['postal.txlog', { log_id: 'M-OTHER', seq: 6 }],
    ['postal.meters', { meter_id: 'b' }],
  ]);

  /** Begin, seal `body` in chunks of `size` bytes (rows cut anywhere), and return what the caller keeps. */
  async function sealed(body: Buffer, size = 13): Promise<{ backupId: string; frames: Buffer[] }> {
    const backupId = newId();
    await vault('beginBackup', { backupId, home: HOME.toString('base64') });
    const frames: Buffer[] = [];
    const count = Math.max(1, Math.ceil(body.length / size));
    for (let i = 0; i < count; i++) {
      const data = body.subarray(i * size, (i + 1) * size).toString('base64');
      const { sealed: s } = await vault<{ sealed: string }>('sealBackupChunk', { backupId, index: i, last: i === count - 1, data });
      frames.push(frameChunk(Buffer.from(s, 'base64')));
    }
    return { backupId, frames };
  }
  const valid = (m: BackupManifestFields, signature: string) =>
    verify('sha256', backupManifestBytes(m), publicKeyOf(h.keystore.identity.certPem), Buffer.from(signature, 'hex'));

  it("signs the module's own digest, chunk count, row counts and log position, at the module's time", async () => {
    const { backupId, frames } = await sealed(snapshot);
    const r = await vault<SignBackupResult>('signBackup', { backupId, tables: TABLES });
    expect(r).toMatchObject({
      backupId,
      signer: h.serial,
      sha256: backupDigest(HOME, frames),
      chunks: frames.length,
      tables: { 'postal.meters': 2, 'postal.txlog': 2, 'support.backups': 0 },
      logPosition: { 'M-OTHER': '7' },
      createdAt: new Date(h.clock.now()).toISOString(),
    });
    expect(valid(r, r.signature)).toBe(true);
    // The certificate the module reports is the one that verifies.
    const info = (await h.guard.dispatch('info', {})) as { certPem: string };
    expect(verify('sha256', backupManifestBytes(r), publicKeyOf(info.certPem), Buffer.from(r.signature, 'hex'))).toBe(true);
    // Signed once: the backup is closed.
    await refused(vault('signBackup', { backupId, tables: TABLES }), 'backup_refused');
  });

  it('refuses to sign a digest, a log position, a time or a chunk count the caller supplies', async () => {
    const { backupId } = await sealed(snapshot);
    for (const foreign of [
      { sha256: createHash('sha256').update('any bytes').digest('hex') },
      { logPosition: { [h.serial]: '120' } },
      { createdAt: '2026-03-14T15:00:00.000Z' },
      { chunks: 1 },
    ]) {
      // Refused at the process boundary, before the vault sees it.
      const e = await refused((async () => validateArgs('signBackup', { backupId, tables: TABLES, ...foreign }))(), 'invalid_request');
      expect(e.message).toMatch(/the module's to compute/);
    }
    // The old call, a manifest for bytes the module never sealed: refused.
    await refused(vault('signBackup', { backupId: newId(), tables: TABLES }), 'backup_refused');
  });

  it('refuses a backup not wholly sealed, or whose snapshot it cannot read, or with undeclared tables', async () => {
    const backupId = newId();
    await vault('beginBackup', { backupId, home: HOME.toString('base64') });
    await vault('sealBackupChunk', { backupId, index: 0, last: false, data: snapshot.toString('base64') });
    await refused(vault('signBackup', { backupId, tables: TABLES }), 'backup_refused'); // no last chunk
    for (const body of [randomBytes(64), snapshot.subarray(0, -1), Buffer.from('{"t":"postal.txlog","r":{"log_id":"M-OTHER"}}\n')]) {
      const s = await sealed(body);
      await refused(vault('signBackup', { backupId: s.backupId, tables: TABLES }), 'backup_refused');
    }
    const s = await sealed(snapshot);
    await refused(vault('signBackup', { backupId: s.backupId, tables: ['postal.meters'] }), 'backup_refused');
    await refused(vault('signBackup', { backupId: s.backupId, tables: ['postal.meters', 'postal.meters'] }), 'invalid_request');
  });

  it("refuses a snapshot that holds records of this module's log beyond its head", async () => {
    const head = (await funds(2)).at(-1)!;
    const at = (seq: string) => rowsOf([['postal.txlog', { log_id: h.serial, seq: Number(seq) }]]);
    const ok = await sealed(at(head.seq));
    expect((await vault<SignBackupResult>('signBackup', { backupId: ok.backupId, tables: TABLES })).logPosition).toEqual({ [h.serial]: head.seq });
    const ahead = await sealed(at(String(Number(head.seq) + 1)));
    const e = await refused(vault('signBackup', { backupId: ahead.backupId, tables: TABLES }), 'backup_refused');
    expect(e.message).toMatch(/whose head is record/);
  });

  it('a changed id, digest, time, log position, table count or chunk count fails the signature', async () => {
    const { backupId } = await sealed(snapshot);
    const m = await vault<SignBackupResult>('signBackup', { backupId, tables: TABLES });
    expect(valid({ ...m, logPosition: { 'M-OTHER': '7' } }, m.signature)).toBe(true);
    for (const change of <Partial<BackupManifestFields>[]>[
      { backupId: 'bk-20260314-0002' },
      { sha256: 'ff'.repeat(32) },
      { createdAt: '2026-03-14T15:00:00.001Z' },
      { logPosition: { 'M-OTHER': '8' } },
      { logPosition: {} },
      { tables: { ...m.tables, 'postal.meters': 3 } },
      { chunks: m.chunks + 1 },
    ])
      expect(valid({ ...m, ...change }, m.signature), JSON.stringify(change)).toBe(false);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(valid(m, sign('sha256', backupManifestBytes(m), privateKey).toString('hex'))).toBe(false);
  });

  it('backupManifestBytes is domain-separated and refuses a malformed manifest', async () => {
    const m: BackupManifestFields = { backupId: 'bk-1', sha256: 'aa'.repeat(32), createdAt: 'now', logPosition: {}, tables: {}, chunks: 1 };
    expect(backupManifestBytes(m).includes(Buffer.from('vaultmeter/backup-manifest/v1'))).toBe(true);
    for (const bad of <object[]>[{ sha256: 'AA'.repeat(32) }, { sha256: 'aa' }, { backupId: 5 }, { logPosition: null }, { logPosition: 'x' }])
      expect(() => backupManifestBytes({ ...m, ...(bad as Partial<BackupManifestFields>) })).toThrowError(expect.objectContaining({ code: 'invalid_request' }));
  });
});
