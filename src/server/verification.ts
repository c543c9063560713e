import { decodeItem, itemIdOf, ItemFormatError, itemJson, verifyItem } from '../indicium/index.js';
import { repo, type Db } from '../store/index.js';

export interface PublicVerdict {
  readonly valid: boolean;
  /** valid, invalid, refunded, redeemed, or unknown (a good signature on an item this server has no record of). */
  readonly status: string;
  readonly reasons: string[];
  readonly itemId: string | null;
  readonly item: Record<string, unknown> | null;
  readonly meterStatus: string | null;
  readonly scans: { readonly previous: number; readonly firstSeenAt: string | null; readonly firstSeenLocation: string | null; readonly possibleReuse: boolean };
  readonly redemption: { readonly at: string; readonly location: string } | null;
}

const NO_SCANS: PublicVerdict['scans'] = { previous: 0, firstSeenAt: null, firstSeenLocation: null, possibleReuse: false };

/**
 * Verification for anyone: signature, certificate chain, validity, meter status, expiry, and what
 * the server knows of the item (refunded, redeemed). Postage verifications are recorded, and a
 * second valid scan is flagged as possible reuse with where and when it was first seen.
 */
export async function verifyForPublic(db: Db, caCertPem: string, itemBytes: Buffer, location: string, now = new Date()): Promise<PublicVerdict> {
  let meterId: string;
  try {
    meterId = decodeItem(itemBytes).data.meterId;
  } catch (e) {
    if (!(e instanceof ItemFormatError)) throw e;
    return { valid: false, status: 'invalid', reasons: [`malformed item: ${e.message}`], itemId: null, item: null, meterStatus: null, scans: NO_SCANS, redemption: null };
  }
  const meter = await repo.getMeterStatus(db, meterId);
  const verdict = verifyItem(itemBytes, meter?.certificatePem ?? '', caCertPem, now);
  const reasons = meter ? [...verdict.reasons] : ['the meter is unknown to this installation'];
  if (meter && meter.status !== 'active') reasons.push(`the meter is ${meter.status}${meter.statusReason ? ` (${meter.statusReason})` : ''}`);
  const d = verdict.item!.data;
  const itemId = itemIdOf(verdict.item!.signedBytes);
  const stored = await repo.getItem(db, itemId);
  const redemption = stored ? await repo.findRedemption(db, itemId) : null;
  let status = reasons.length ? 'invalid' : stored ? 'valid' : 'unknown';
  if (stored?.refundedAt) {
    status = 'refunded';
    reasons.push(`the item was refunded at ${stored.refundedAt.toISOString()}`);
  } else if (redemption) {
    status = 'redeemed';
    reasons.push(`the item was redeemed at ${redemption.at.toISOString()} (${redemption.location || 'no location'})`);
  }
  const valid = reasons.length === 0;
  let scans = NO_SCANS;
  if (d.kind === 'postage') {
    const earlier = await repo.recordVerification(db, { itemId, meterId: meter ? meterId : null, location, valid });
    const first = earlier[0];
    scans = { previous: earlier.length, firstSeenAt: first?.at.toISOString() ?? null, firstSeenLocation: first?.location ?? null, possibleReuse: valid && earlier.length > 0 };
  }
  return {
    valid,
    status,
    reasons,
    itemId,
    item: itemJson(d),
    meterStatus: meter?.status ?? null,
    scans,
    redemption: redemption ? { at: redemption.at.toISOString(), location: redemption.location } : null,
  };
}
