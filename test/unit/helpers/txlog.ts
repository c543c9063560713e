import { X509Certificate, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import type { LogRecordWire, SignedHeadWire } from '../../../src/module/messages.js';
import { canonicalBytes } from '../../../src/protocol/canonical.js';
import type { RecordDraft } from '../../../src/ledger/chain.js';
import { headSignatureValid } from '../../../src/ledger/head.js';
import { keyVersions } from '../../../src/crypto/envelope.js';
import { SoftwareLogKeys } from '../../../src/module/software-crypto.js';
import { decodeHeader, openBody, recordHash, type LogHeader, type LogRecord } from '../../../src/ledger/record.js';

/** The header domain tag of src/txlog/record.ts (not exported there): tests build non-canonical headers with it. */
export const HEADER_DOMAIN = 'vaultmeter/txlog-record/v1';

/** A plausible header; `over` replaces any field. */
export function sampleHeader(over: Partial<LogHeader> = {}): LogHeader {
  return {
    logId: 'M-UNIT',
    seq: 7n,
    atMs: 1_773_500_400_000,
    type: 'fund',
    meterId: 'meter-1',
    moduleSerial: 'M-UNIT',
    prevHash: 'ab'.repeat(32),
    versionBefore: 4n,
    versionAfter: 5n,
    arBeforeMills: 730n,
    drBeforeMills: 9_270n,
    arAfterMills: 730n,
    drAfterMills: 9_370n,
    ...over,
  };
}

/** The header's fields as the canonical encoding carries them (all text). */
export function headerFields(h: LogHeader): Record<string, string> {
  return {
    logId: h.logId,
    seq: h.seq.toString(),
    atMs: String(h.atMs),
    type: h.type,
    meterId: h.meterId,
    moduleSerial: h.moduleSerial,
    prevHash: h.prevHash,
    versionBefore: h.versionBefore.toString(),
    versionAfter: h.versionAfter.toString(),
    arBeforeMills: h.arBeforeMills.toString(),
    drBeforeMills: h.drBeforeMills.toString(),
    arAfterMills: h.arAfterMills.toString(),
    drAfterMills: h.drAfterMills.toString(),
  };
}

/** Header bytes under the record domain from raw text fields (which may be anything). */
export function rawHeader(fields: Record<string, string>, domain = HEADER_DOMAIN): Buffer {
  return canonicalBytes(domain, fields);
}

/** A copy of `b` with byte `i` XOR'd with `mask`. */
export function flipByte(b: Buffer, i: number, mask = 0x01): Buffer {
  const c = Buffer.from(b);
  c[i] = c[i]! ^ mask;
  return c;
}

/** A wire record (hex header, base64 body) as bytes. */
export function recordOf(w: { header: string; body: string }): LogRecord {
  return { header: Buffer.from(w.header, 'hex'), body: Buffer.from(w.body, 'base64') };
}

export function headerOf(w: { header: string }): LogHeader {
  const h = decodeHeader(Buffer.from(w.header, 'hex'));
  expect(h, 'the record header decodes').not.toBeNull();
  return h!;
}

/** The software log-key backend over one domain log key (version 1), or over a module's whole crypto. */
export function logKeys(logKey: Buffer): SoftwareLogKeys {
  return new SoftwareLogKeys(keyVersions(new Map([[1, logKey]])));
}

/** Open a record of log `logId`, as a module would. */
export function openWire(keys: Pick<SoftwareLogKeys, 'openLogBody'>, logId: string, w: LogRecordWire): Promise<Record<string, unknown> | null> {
  return openBody(keys, logId, recordOf(w));
}

export function publicKeyOf(certPem: string): KeyObject {
  return new X509Certificate(certPem).publicKey;
}

/** A signed head as a module hands it out, checked with the module's certificate. */
export function wireHeadValid(certPem: string, head: SignedHeadWire): boolean {
  return headSignatureValid(publicKeyOf(certPem), { ...head, seq: BigInt(head.seq) });
}

/** The record's wire hash is its recordHash, and its header decodes with the wire's seq. */
export function expectWellFormed(w: LogRecordWire): LogHeader {
  expect(recordHash(recordOf(w))).toBe(w.hash);
  const h = headerOf(w);
  expect(h.seq.toString()).toBe(w.seq);
  return h;
}

/** `n` drafts of funds for one meter, each one adding `step` mills to dr. */
export function fundDrafts(n: number, step = 100n, meterId = 'meter-1'): RecordDraft[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'fund',
    meterId,
    versionBefore: BigInt(i + 1),
    versionAfter: BigInt(i + 2),
    arBeforeMills: 0n,
    drBeforeMills: BigInt(i) * step,
    arAfterMills: 0n,
    drAfterMills: BigInt(i + 1) * step,
    body: { op: 'fund', n: i, amountMills: step.toString() },
  }));
}
