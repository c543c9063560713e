import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_SHIP_KEY_LENGTH } from '../../../src/constants.js';
import { DirectoryTarget, parseTarget, S3Target, ShipTargetError, type ShipTarget } from '../../../src/txlog/targets/index.js';
import { startS3rver, stopS3rver } from '../../helpers/s3rver.js';

const SEG = 'logs/log-1/00000000000000000001-00000000000000000500.seg';
const BAD_KEYS = [
  '',
  '../etc/passwd',
  'logs/../../x',
  'logs/..',
  '..',
  'a..b',
  '/etc/passwd',
  '/abs',
  'logs\\x',
  '..\\x',
  'logs//x',
  'logs/',
  './x',
  'logs/./x',
  'logs/x y',
  'logs/\0x',
  'logs/é',
  'C:/x',
  'x.0123456789ab.tmp',
  'x'.repeat(MAX_SHIP_KEY_LENGTH + 1),
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-targets-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function freshDir(name: string): Promise<string> {
  const root = join(dir, name);
  await mkdir(root, { recursive: true });
  return root;
}

/** The behaviour every target must share. */
function contract(make: () => Promise<ShipTarget>): void {
  it('round-trips binary bytes', async () => {
    const t = await make();
    const bytes = Buffer.concat([Buffer.from([0, 255, 0x0d, 0x0a, 0x1a]), randomBytes(70_000)]);
    await t.put(SEG, bytes);
    const back = await t.get(SEG);
    expect(back).not.toBeNull();
    expect(Buffer.compare(back!, bytes)).toBe(0);
  });

  it('stores an empty object', async () => {
    const t = await make();
    await t.put('empty', Buffer.alloc(0));
    expect((await t.get('empty'))?.length).toBe(0);
  });

  it('gives null for a missing key', async () => {
    const t = await make();
    expect(await t.get('logs/none/missing.seg')).toBeNull();
    expect(await t.get('missing')).toBeNull();
  });

  it('accepts the same put twice, and a later put replaces the bytes', async () => {
    const t = await make();
    const bytes = randomBytes(1000);
    await t.put('logs/twice/a.seg', bytes);
    await t.put('logs/twice/a.seg', bytes);
    expect(await t.get('logs/twice/a.seg')).toEqual(bytes);
    expect(await t.list('logs/twice/')).toEqual(['logs/twice/a.seg']);
    const other = randomBytes(10);
    await t.put('logs/twice/a.seg', other);
    expect(await t.get('logs/twice/a.seg')).toEqual(other);
  });

  it('runs concurrent puts of the same key safely', async () => {
    const t = await make();
    const bytes = randomBytes(5000);
    await Promise.all(Array.from({ length: 8 }, () => t.put('logs/race/r.seg', bytes)));
    expect(await t.get('logs/race/r.seg')).toEqual(bytes);
    expect(await t.list('logs/race/')).toEqual(['logs/race/r.seg']);
  });

  it('lists by string prefix, sorted ascending', async () => {
    const t = await make();
    const keys = ['logs/L/0003.seg', 'logs/L/0001.seg', 'logs/L/0002.seg', 'logs/L2/0001.seg', 'logs/M/0001.seg', 'other/x'];
    for (const k of keys) await t.put(k, Buffer.from(k));
    expect(await t.list('logs/L/')).toEqual(['logs/L/0001.seg', 'logs/L/0002.seg', 'logs/L/0003.seg']);
    expect(await t.list('logs/L')).toEqual(['logs/L/0001.seg', 'logs/L/0002.seg', 'logs/L/0003.seg', 'logs/L2/0001.seg']);
    expect(await t.list('logs/L/0002')).toEqual(['logs/L/0002.seg']);
    expect(await t.list('logs/none/')).toEqual([]);
    expect(await t.list('nothing')).toEqual([]);
    const all = await t.list('');
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(keys));
  });

  it.each(BAD_KEYS)('refuses the key %j in put, get and list', async (key) => {
    const t = await make();
    await expect(t.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(ShipTargetError);
    await expect(t.get(key)).rejects.toBeInstanceOf(ShipTargetError);
    if (key !== '' && key !== 'logs/' && key !== 'x.0123456789ab.tmp') await expect(t.list(key)).rejects.toBeInstanceOf(ShipTargetError);
  });

  it('says why a traversal key is refused', async () => {
    const t = await make();
    await expect(t.put('../x', Buffer.from('x'))).rejects.toThrow(/path traversal/);
    await expect(t.put('/x', Buffer.from('x'))).rejects.toThrow(/absolute/);
    await expect(t.put('a\\b', Buffer.from('x'))).rejects.toThrow(/backslash/);
  });

  it('refuses a non-Buffer body', async () => {
    const t = await make();
    await expect(t.put('k', 'text' as unknown as Buffer)).rejects.toThrow(/Buffer/);
  });
}

describe('DirectoryTarget', () => {
  let n = 0;
  contract(async () => new DirectoryTarget(await freshDir(`contract-${n++}`)));

  it('writes nothing outside its root for a refused key', async () => {
    const root = await freshDir('outside/root');
    const t = new DirectoryTarget(root);
    await expect(t.put('../escaped', Buffer.from('x'))).rejects.toThrow(ShipTargetError);
    expect(await readdir(join(dir, 'outside'))).toEqual(['root']);
  });

  it('stores files under root/key with mode 0600 and leaves no temporary file', async () => {
    const root = await freshDir('layout');
    const t = new DirectoryTarget(root);
    await t.put(SEG, Buffer.from('segment'));
    expect(await readFile(join(root, SEG), 'utf8')).toBe('segment');
    expect((await stat(join(root, SEG))).mode & 0o777).toBe(0o600);
    expect(await readdir(join(root, 'logs', 'log-1'))).toEqual(['00000000000000000001-00000000000000000500.seg']);
  });

  it('fsyncs the temp file, then the directory, and every directory it created', async () => {
    const root = await freshDir('fsync');
    const t = new DirectoryTarget(root);
    const probe = await open(join(root, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const synced: string[] = [];
    const real = proto.sync;
    const spy = vi.spyOn(proto, 'sync').mockImplementation(async function (this: { fd: number }) {
      synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
      return real.call(this);
    });
    try {
      await t.put('logs/new-log/a.seg', Buffer.from('a'));
      expect(synced).toHaveLength(4);
      expect(synced[0]).toBe(root);
      expect(synced[1]).toBe(join(root, 'logs'));
      expect(synced[2]).toMatch(new RegExp(`^${join(root, 'logs', 'new-log', 'a.seg')}\\.[0-9a-f]{12}\\.tmp$`));
      expect(synced[3]).toBe(join(root, 'logs', 'new-log'));

      synced.length = 0;
      await t.put('logs/new-log/b.seg', Buffer.from('b'));
      expect(synced).toHaveLength(2);
      expect(synced[0]).toMatch(/b\.seg\.[0-9a-f]{12}\.tmp$/);
      expect(synced[1]).toBe(join(root, 'logs', 'new-log'));
    } finally {
      spy.mockRestore();
    }
  });

  it('hides leftover temporary files, symbolic links and foreign names from list', async () => {
    const root = await freshDir('leftovers');
    const t = new DirectoryTarget(root);
    await t.put('logs/x/a.seg', Buffer.from('a'));
    await writeFile(join(root, 'logs/x/b.seg.0123456789ab.tmp'), 'partial');
    await writeFile(join(root, 'logs/x/with space'), 'foreign');
    await symlink('/etc/passwd', join(root, 'logs/x/link.seg'));
    expect(await t.list('logs/')).toEqual(['logs/x/a.seg']);
    await expect(t.get('logs/x/link.seg')).rejects.toThrow(ShipTargetError);
  });

  it('fails, rather than look empty, when its directory is missing', async () => {
    const t = new DirectoryTarget(join(dir, 'not-mounted'));
    await expect(t.list('')).rejects.toThrow(/does not exist/);
    await expect(t.get('a')).rejects.toThrow(/does not exist/);
    await expect(t.put('a', Buffer.from('a'))).rejects.toThrow(/does not exist/);
    await expect(stat(join(dir, 'not-mounted'))).rejects.toThrow();
  });

  it('refuses objects and listings over its limits', async () => {
    const root = await freshDir('limits');
    const t = new DirectoryTarget(root, { maxObjectBytes: 10, maxListKeys: 3 });
    await expect(t.put('big', Buffer.alloc(11))).rejects.toThrow(/limit/);
    await t.put('ok', Buffer.alloc(10));
    await writeFile(join(root, 'big'), Buffer.alloc(11));
    await expect(t.get('big')).rejects.toThrow(/limit/);
    for (const k of ['l/1', 'l/2', 'l/3']) await t.put(k, Buffer.from(k));
    expect(await t.list('l/')).toHaveLength(3);
    await t.put('l/4', Buffer.from('4'));
    await expect(t.list('l/')).rejects.toThrow(/more than 3 keys/);
  });

  it('gives null for a key whose path is a directory or runs through a file', async () => {
    const root = await freshDir('shapes');
    const t = new DirectoryTarget(root);
    await t.put('a/b', Buffer.from('x'));
    expect(await t.get('a')).toBeNull();
    expect(await t.get('a/b/c')).toBeNull();
  });
});

describe('parseTarget', () => {
  it('makes a directory target from dir: or a bare absolute path', () => {
    const a = parseTarget('dir:/backup/log');
    expect(a).toBeInstanceOf(DirectoryTarget);
    expect(a.name).toBe('dir:/backup/log');
    expect(parseTarget('/backup/log/').name).toBe('dir:/backup/log');
    expect(parseTarget('dir:/backup/x/../log').name).toBe('dir:/backup/log');
  });

  it('makes an S3 target with explicit settings and never shows a secret in its name', () => {
    const t = parseTarget(
      's3://vm-bucket/ship/log?endpoint=http://127.0.0.1:4569&region=us-east-1&forcePathStyle=true&accessKeyId=AK&secretAccessKey=SECRET',
      {},
    );
    expect(t).toBeInstanceOf(S3Target);
    expect(t.name).toBe('s3://vm-bucket/ship/log');
    expect((t as S3Target).prefix).toBe('ship/log');
    expect(parseTarget('s3://vm-bucket', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }).name).toBe('s3://vm-bucket');
    expect(parseTarget('s3://vm-bucket/p/', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }).name).toBe('s3://vm-bucket/p');
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['backup/log', /not understood/],
    ['dir:backup', /absolute/],
    ['dir:', /absolute/],
    ['file:///backup', /not understood/],
    ['ftp://host/x', /not understood/],
    ['dir:/a\0b', /NUL/],
    ['s3://', /bucket/],
    ['s3://Bad_Bucket/x', /bucket/],
    ['s3://ab/x', /bucket/],
    ['s3://user:pw@bucket/x', /credentials/],
    ['s3://bucket:9000/x', /port/],
    ['s3://bucket/x#frag', /fragment/],
    ['s3://bucket/../x', /traversal/],
    ['s3://bucket/%2e%2e/x', /traversal/],
    ['s3://bucket/a/./x', /traversal/],
    ['s3://bucket/a\\x', /traversal/],
    ['s3://bucket/a//b', /prefix/],
    ['s3://bucket/x?foo=1', /unknown parameter "foo"/],
    ['s3://bucket/x?region=a&region=b', /more than once/],
    ['s3://bucket/x?endpoint=notaurl', /endpoint/],
    ['s3://bucket/x?endpoint=ftp://h', /http/],
    ['s3://bucket/x?endpoint=http://h/path', /scheme:\/\/host/],
    ['s3://bucket/x?region=US%20EAST', /region/],
    ['s3://bucket/x?forcePathStyle=yes', /forcePathStyle/],
    ['s3://bucket/x?accessKeyId=a', /both/],
    ['s3://bucket/x?accessKeyId=&secretAccessKey=b', /empty/],
    ['s3://bucket/x', /AWS_ACCESS_KEY_ID/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseTarget(spec, {})).toThrow(ShipTargetError);
    expect(() => parseTarget(spec, {})).toThrow(message);
  });

  it('does not echo query secrets in a refusal', () => {
    expect(() => parseTarget('gs://b/x?secretAccessKey=TOPSECRET', {})).toThrow(/^(?!.*TOPSECRET)/s);
  });
});

describe('S3Target against s3rver', () => {
  const BUCKET = 'vm-ship';
  let server: ChildProcess | undefined;
  let endpoint: string;
  const targets: S3Target[] = [];

  function target(options: Partial<ConstructorParameters<typeof S3Target>[0]> = {}): S3Target {
    const t = new S3Target({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      maxAttempts: 2,
      ...options,
    });
    targets.push(t);
    return t;
  }

  beforeAll(async () => {
    const started = await startS3rver(await freshDir('s3rver'), BUCKET);
    server = started.child;
    endpoint = `http://127.0.0.1:${started.port}`;
  });
  afterAll(async () => {
    for (const t of targets) t.close();
    if (server) await stopS3rver(server);
  });

  let n = 0;
  contract(async () => target({ prefix: `contract-${n++}/ship` }));

  it('works at the bucket root and through parseTarget', async () => {
    const spec = `s3://${BUCKET}/parsed?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&forcePathStyle=true&accessKeyId=S3RVER&secretAccessKey=S3RVER`;
    const parsed = parseTarget(spec, {});
    expect(parsed.name).toBe(`s3://${BUCKET}/parsed`);
    const bytes = randomBytes(300);
    await parsed.put('logs/p/1.seg', bytes);
    (parsed as S3Target).close();
    const root = target();
    expect(await root.get('parsed/logs/p/1.seg')).toEqual(bytes);
    expect(await root.list('parsed/')).toEqual(['parsed/logs/p/1.seg']);
  });

  it('pages through a listing longer than one page', async () => {
    const t = target({ prefix: 'paging', listPageKeys: 3 });
    const keys = Array.from({ length: 11 }, (_, i) => `logs/P/${String(i).padStart(20, '0')}.seg`);
    for (const k of [...keys].reverse()) await t.put(k, Buffer.from(k));
    await t.put('logs/Q/0.seg', Buffer.from('q'));
    const send = vi.spyOn(clientOf(t), 'send');
    try {
      expect(await t.list('logs/P/')).toEqual(keys);
      expect(send).toHaveBeenCalledTimes(4);
    } finally {
      send.mockRestore();
    }
    expect(await t.list('logs/')).toEqual([...keys, 'logs/Q/0.seg']);
  });

  it('refuses a listing over its key limit', async () => {
    const t = target({ prefix: 'paging', listPageKeys: 2, maxListKeys: 5 });
    await expect(t.list('logs/P/')).rejects.toThrow(/more than 5 keys/);
  });

  it('refuses an object over its size limit on put and on get', async () => {
    const big = target({ prefix: 'limits' });
    await big.put('big', Buffer.alloc(2000));
    const small = target({ prefix: 'limits', maxObjectBytes: 1000 });
    await expect(small.put('big2', Buffer.alloc(1001))).rejects.toThrow(/limit/);
    await expect(small.get('big')).rejects.toThrow(/limit/);
  });

  it('fails with a clear error, not null, when the bucket is missing', async () => {
    const t = target({ bucket: 'no-such-bucket' });
    await expect(t.get('a')).rejects.toThrow(/NoSuchBucket/);
    await expect(t.put('a', Buffer.from('a'))).rejects.toThrow(/s3:\/\/no-such-bucket: put "a" failed/);
    await expect(t.list('')).rejects.toThrow(ShipTargetError);
  });

  it('fails with a clear error when the store is down, after bounded retries', async () => {
    const t = target({ endpoint: 'http://127.0.0.1:9', maxAttempts: 2 });
    await expect(t.put('a', Buffer.from('a'))).rejects.toThrow(/ECONNREFUSED|connect/);
  });
});

/** The S3Client inside a target, to count requests. */
function clientOf(t: S3Target): { send: (...args: unknown[]) => unknown } {
  return (t as unknown as { client: { send: (...args: unknown[]) => unknown } }).client;
}

afterEach(() => {
  vi.restoreAllMocks();
});
