import { createHash } from 'node:crypto';
import { MAX_SEGMENTS_PER_PASS } from '../constants.js';
import { repo, shippingRepo, txlogRepo, type Db } from '../store/index.js';
import { checkContinuity, type ContinuityBreak } from './continuity.js';
import { cutNextSegment, segmentBytes, type CutPolicy } from './segment-cutter.js';
import type { ShipTarget } from './targets/index.js';

/** The pseudo-target under which the audit verifier records how far it has checked each log. */
export const AUDIT_POSITION = 'audit:continuity';

export interface ShipperOptions {
  readonly db: Db;
  readonly targets: readonly ShipTarget[];
  readonly policy: CutPolicy;
  /** The installation CA certificate (PEM), shipped beside the log so that it can be verified. */
  readonly caCertPem: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /**
   * Tell the module that writes a log that it is off-site up to `at` (on every target), so that its
   * journal lets go of those records. Absent: the journals are never truncated by this shipper.
   */
  readonly releaseJournal?: (logId: string, at: { seq: bigint; hash: string }) => Promise<void>;
}

export interface PassReport {
  readonly cut: number;
  readonly shipped: number;
  readonly breaks: readonly ContinuityBreak[];
}

/**
 * One installation's log shipper (the caller holds the election lock). Each pass cuts the segments
 * that are due, uploads every segment a target lacks, in order, and records the target's new
 * position only after the upload is durable; then the audit verifier checks the shipped changes.
 * A crash anywhere repeats, at worst, an upload of identical bytes: no gap, no duplicate.
 */
export class Shipper {
  private certsShipped = new Set<string>();
  /** Per log, the position each module's journal was last released to. */
  private readonly released = new Map<string, bigint>();

  constructor(private readonly o: ShipperOptions) {}

  async pass(): Promise<PassReport> {
    const logIds = await txlogRepo.logIds(this.o.db);
    await this.shipCertificates();
    let cut = 0;
    for (const logId of logIds) {
      while (cut < MAX_SEGMENTS_PER_PASS && (await cutNextSegment(this.o.db, logId, this.o.policy, this.o.now()))) cut++;
    }
    let shipped = 0;
    for (const target of this.o.targets) shipped += await this.shipTo(target, logIds);
    if (shipped > 0) await shippingRepo.notifyShipped(this.o.db);
    await this.releaseJournals(logIds);
    const breaks = await this.audit(logIds);
    return { cut, shipped, breaks };
  }

  /** The CA and every module certificate, so that the shipped log can be checked with no secret. */
  private async shipCertificates(): Promise<void> {
    const modules = await repo.listModules(this.o.db);
    const files: [string, string][] = [
      ['certs/ca.pem', this.o.caCertPem],
      ...modules.map((m): [string, string] => [`certs/modules/${m.serial}.pem`, m.certificatePem]),
    ];
    for (const [key, pem] of files) {
      if (this.certsShipped.has(key)) continue;
      for (const t of this.o.targets) await putOnce(t, key, Buffer.from(pem));
      this.certsShipped.add(key);
    }
  }

  private async shipTo(target: ShipTarget, logIds: readonly string[]): Promise<number> {
    const positions = await txlogRepo.shippedPositions(this.o.db, target.name);
    let shipped = 0;
    for (const logId of logIds) {
      const segments = await txlogRepo.segmentsAfter(this.o.db, logId, positions.get(logId) ?? 0n, MAX_SEGMENTS_PER_PASS);
      for (const s of segments) {
        await putOnce(target, s.objectKey, await segmentBytes(this.o.db, s));
        await txlogRepo.setShipped(this.o.db, target.name, logId, s.lastSeq);
        shipped++;
      }
    }
    return shipped;
  }

  /** Each module's journal may drop what every target now holds. A module that is down is told on a later pass. */
  private async releaseJournals(logIds: readonly string[]): Promise<void> {
    const release = this.o.releaseJournal;
    if (!release) return;
    for (const [logId, seq] of await this.shippedEverywhere(logIds)) {
      if (seq <= 0n || seq <= (this.released.get(logId) ?? 0n)) continue;
      const hash = await txlogRepo.recordHashAt(this.o.db, logId, seq);
      if (!hash) continue;
      try {
        await release(logId, { seq, hash });
        this.released.set(logId, seq);
      } catch (e) {
        this.o.log(`the journal of module ${logId} was not released to record ${seq}: ${(e as Error).message}`);
      }
    }
  }

  /** Run the continuity check over segments shipped since the verifier's last position. */
  private async audit(logIds: readonly string[]): Promise<ContinuityBreak[]> {
    const positions = await txlogRepo.shippedPositions(this.o.db, AUDIT_POSITION);
    const offsite = await this.shippedEverywhere(logIds);
    const breaks: ContinuityBreak[] = [];
    for (const logId of logIds) {
      const from = positions.get(logId) ?? 0n;
      const to = offsite.get(logId) ?? 0n;
      if (to <= from) continue;
      const changes = await txlogRepo.changesIn(this.o.db, logId, from, to);
      for (const b of await checkContinuity(this.o.db, changes)) {
        this.o.log(`ALARM: meter ${b.meterId} suspended: ${b.reason} (log ${b.logId} record ${b.seq})`);
        breaks.push(b);
      }
      await txlogRepo.setShipped(this.o.db, AUDIT_POSITION, logId, to);
    }
    return breaks;
  }

  /** Per log, the position every target has reached (the verifier checks only what is off-site). */
  private async shippedEverywhere(logIds: readonly string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>(logIds.map((l) => [l, -1n]));
    for (const t of this.o.targets) {
      const p = await txlogRepo.shippedPositions(this.o.db, t.name);
      for (const l of logIds) {
        const at = p.get(l) ?? 0n;
        const cur = out.get(l)!;
        out.set(l, cur < 0n || at < cur ? at : cur);
      }
    }
    return out;
  }
}

export class ShippedLogConflict extends Error {}

/**
 * Store `bytes` under `key` unless the target already holds exactly them. Different bytes under a
 * shipped key are never overwritten: the off-site copy is the evidence (a database restored to an
 * older state would otherwise rewrite history).
 */
export async function putOnce(target: ShipTarget, key: string, bytes: Buffer): Promise<void> {
  const existing = await target.get(key);
  if (existing === null) return target.put(key, bytes);
  if (existing.equals(bytes)) return;
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);
  throw new ShippedLogConflict(
    `${target.name} already holds ${key} with other content (sha256 ${digest(existing)}…, ours ${digest(bytes)}…); refusing to overwrite it`,
  );
}
