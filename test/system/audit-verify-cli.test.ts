import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate, newCertSerialHex, type Authority } from '../../src/module/certificates.js';
import { keyVersions } from '../../src/crypto/envelope.js';
import { SoftwareLogKeys } from '../../src/module/software-crypto.js';
import { chainRecords, type ChainPosition } from '../../src/ledger/chain.js';
import { signHead } from '../../src/ledger/head.js';
import { GENESIS_HASH } from '../../src/ledger/record.js';
import { encodeSegment, SEGMENT_FORMAT, segmentKey, type SegmentHead } from '../../src/ledger/segment.js';
import { DirectoryTarget } from '../../src/txlog/targets/index.js';
import type { LooseJson } from '../helpers/loose-json.js';

// `vaultmeter audit verify DIR` over a shipped log directory, run as the built CLI (npm run build first).

const CLI = fileURLToPath(new URL('../../bin/vaultmeter.js', import.meta.url));
const LOGS = ['VM-0000CAFE', 'VM-0000BEEF'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: LooseJson;
}

function run(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: LooseJson = null;
      try {
        json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
      } catch {
        // not JSON
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

let dir: string;
let intact: string;
let ca: Authority;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vm-audit-cli-'));
  intact = join(dir, 'intact');
  await mkdir(intact);
  const target = new DirectoryTarget(intact);
  const now = new Date();
  ca = await createAuthority('CLI Test', now);
  await target.put('certs/ca.pem', Buffer.from(ca.certPem));
  const bodyKeys = new SoftwareLogKeys(keyVersions(new Map([[1, randomBytes(32)]])));
  for (const logId of LOGS) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certPem = await issueCertificate(ca, {
      subject: `CN=module ${logId}, O=Vaultmeter`,
      publicSpki: publicKey.export({ type: 'spki', format: 'der' }),
      serialHex: newCertSerialHex(),
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 30 * 86_400_000),
    });
    await target.put(`certs/modules/${logId}.pem`, Buffer.from(certPem));
    let pos: ChainPosition = { seq: 0n, hash: GENESIS_HASH };
    for (const n of [4, 3]) {
      const drafts = Array.from({ length: n }, (_, i) => ({
        type: 'fund',
        meterId: 'meter-1',
        versionBefore: 0n,
        versionAfter: 0n,
        arBeforeMills: 0n,
        drBeforeMills: BigInt(i),
        arAfterMills: 0n,
        drAfterMills: BigInt(i + 1),
        body: { i },
      }));
      const { records, head } = await chainRecords(bodyKeys, logId, pos, now.getTime(), drafts);
      const first = pos.seq + 1n;
      const headSignature = signHead(privateKey, { logId, seq: head.seq, hash: head.hash }).signature;
      const segHead: SegmentHead = {
        format: SEGMENT_FORMAT,
        logId,
        firstSeq: first.toString(),
        lastSeq: head.seq.toString(),
        prevHash: pos.hash,
        headHash: head.hash,
        headSignature,
        records: n,
      };
      await target.put(segmentKey(logId, first, head.seq), encodeSegment({ head: segHead, records }));
      pos = head;
    }
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('vaultmeter audit verify', () => {
  it('passes an intact log: exit 0 and the report as JSON', async () => {
    const r = await run(['audit', 'verify', intact, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.json).toMatchObject({ ok: true, target: `dir:${intact}`, segments: 4, records: 14, problems: [] });
    expect(r.json.ca.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(r.json.logs.map((l: LooseJson) => [l.logId, l.ok, l.segments, l.records, l.lastSeq])).toEqual([
      ['VM-0000BEEF', true, 2, 7, '7'],
      ['VM-0000CAFE', true, 2, 7, '7'],
    ]);
  });

  it('prints the CA fingerprint and a summary without --json, with a relative DIR and an explicit --ca', async () => {
    await writeFile(join(dir, 'trusted-ca.pem'), ca.certPem);
    const r = await run(['audit', 'verify', 'intact', '--ca', join(dir, 'trusted-ca.pem')], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SHA-256 fingerprint ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(r.stdout).toMatch(/OK: 2 logs, 4 segments, 14 records/);
  });

  it('refuses a tampered log: exit 1, the first problem of each log with file, line and seq', async () => {
    const bad = join(dir, 'tampered');
    await cp(intact, bad, { recursive: true });
    const key = segmentKey('VM-0000CAFE', 5n, 7n);
    const ls = (await readFile(join(bad, key), 'utf8')).slice(0, -1).split('\n');
    const rec = JSON.parse(ls[2]!);
    const body = Buffer.from(rec.body, 'base64');
    body[3] = body[3]! ^ 0xff;
    ls[2] = JSON.stringify({ ...rec, body: body.toString('base64') });
    await writeFile(join(bad, key), `${ls.join('\n')}\n`);

    const r = await run(['audit', 'verify', bad, '--json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.ok).toBe(false);
    expect(r.json.problems).toEqual([{ code: 'record_hash_mismatch', logId: 'VM-0000CAFE', key, line: 3, seq: '6', message: expect.any(String) }]);
    expect(r.json.logs.find((l: LooseJson) => l.logId === 'VM-0000BEEF').ok).toBe(true);
    expect(r.json.logs.find((l: LooseJson) => l.logId === 'VM-0000CAFE')).toMatchObject({ ok: false, verifiedSegments: 1, records: 4, lastSeq: '4' });

    const human = await run(['audit', 'verify', bad]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`log VM-0000CAFE: PROBLEM record_hash_mismatch at ${key}, line 3, seq 6`);
    expect(human.stdout).toMatch(/FAILED: 1 of 2 logs have problems/);
  });

  it('exits 2 on usage errors, and 0 for --help', async () => {
    expect((await run(['audit', 'verify', '--help'])).code).toBe(0);
    expect((await run(['audit', 'verify', '--help'])).stdout).toMatch(/Exit status/);
    expect((await run(['audit', 'verify'])).code).toBe(2);
    expect((await run(['audit', 'verify', intact, '--bogus'])).code).toBe(2);
    const missing = await run(['audit', 'verify', join(dir, 'no-such-dir'), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.json.error.message).toMatch(/does not exist/);
    const noCa = await run(['audit', 'verify', intact, '--ca', join(dir, 'nope.pem'), '--json']);
    expect(noCa.code).toBe(2);
    expect(noCa.json.error.code).toBe('ca_unreadable');
    const notCa = await run(['audit', 'verify', intact, '--ca', join(intact, 'certs/modules/VM-0000CAFE.pem'), '--json']);
    expect(notCa.code).toBe(2);
    expect(notCa.json.error.code).toBe('ca_invalid');
  });
});
