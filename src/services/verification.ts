import { decodeItem, ItemFormatError, itemJson, verifyItem } from '../indicium/index.js';
import { itemIdOf } from '../crypto/index.js';
import { fail } from '../errors.js';
import { repo } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { logChange, logChangeOrNote } from './logged.js';

export interface PublicVerdict {
  readonly valid: boolean;
  /**
   * valid, invalid, refunded, redeemed, unknown (a good signature on an item this server has no record
   * of), or test_item (an authentic item of a sandbox meter: not postage).
   */
  readonly status: string;
  readonly reasons: string[];
  /** A stable code per reason (src/indicium/verify.ts `ReasonCode`, and meter_unknown, meter_status, refunded, redeemed). */
  readonly codes: string[];
  /** The meter's signature over the item checks (a test item's too: it is authentic, just not postage). */
  readonly signatureValid: boolean;
  /** The item carries the test flag in its signed bytes. */
  readonly testItem: boolean;
  readonly itemId: string | null;
  readonly item: Record<string, unknown> | null;
  readonly meterStatus: string | null;
  readonly scans: {
    readonly previous: number;
    readonly firstSeenAt: string | null;
    readonly firstSeenLocation: string | null;
    readonly possibleReuse: boolean;
  };
  readonly redemption: { readonly at: string; readonly location: string } | null;
}

const NO_SCANS: PublicVerdict['scans'] = { previous: 0, firstSeenAt: null, firstSeenLocation: null, possibleReuse: false };

/**
 * Verification for anyone: signature, certificate chain, validity, meter status, expiry, and what
 * the server knows of the item (refunded, redeemed). Postage verifications are recorded, and a
 * second valid scan is flagged as possible reuse with where and when it was first seen.
 */
export async function verifyForPublic(ctx: ServiceContext, itemBytes: Buffer, location: string, now = new Date()): Promise<PublicVerdict> {
  const db = ctx.db;
  const caCertPem = ctx.caCertPem;
  let meterId: string;
  try {
    meterId = decodeItem(itemBytes).data.meterId;
  } catch (e) {
    if (!(e instanceof ItemFormatError)) throw e;
    return malformed(e);
  }
  const meter = await repo.getMeterStatus(db, meterId);
  const verdict = verifyItem(itemBytes, meter?.certificatePem ?? '', caCertPem, now);
  const reasons = meter ? [...verdict.reasons] : ['the meter is unknown to this installation'];
  const codes: string[] = meter ? [...verdict.codes] : ['meter_unknown'];
  // An unproven meter is held because the database lost its latest registers, not because its items are in doubt.
  if (meter && meter.status !== 'active' && meter.status !== 'unproven') {
    reasons.push(`the meter is ${meter.status}${meter.statusReason ? ` (${meter.statusReason})` : ''}`);
    codes.push('meter_status');
  }
  const d = verdict.item!.data;
  const itemId = itemIdOf(verdict.item!.signedBytes);
  const stored = await repo.getItem(db, itemId);
  const redemption = stored ? await repo.findRedemption(db, itemId) : null;
  // An authentic test item, with nothing else wrong, has its own status: never postage, never a forgery.
  const onlyTest = verdict.testItem && codes.length === 1 && codes[0] === 'test_item';
  let status = onlyTest ? 'test_item' : reasons.length ? 'invalid' : stored ? 'valid' : 'unknown';
  if (stored?.refundedAt) {
    status = 'refunded';
    reasons.push(`the item was refunded at ${stored.refundedAt.toISOString()}`);
    codes.push('refunded');
  } else if (redemption) {
    status = 'redeemed';
    reasons.push(`the item was redeemed at ${redemption.at.toISOString()} (${redemption.location || 'no location'})`);
    codes.push('redeemed');
  }
  const valid = reasons.length === 0;
  let scans = NO_SCANS;
  if (d.kind === 'postage') {
    const earlier = await repo.earlierScans(db, itemId);
    const scan = { kind: 'item_scanned' as const, itemId, meterId: meter ? meterId : null, location, valid };
    await logChangeOrNote(ctx, { effects: () => [scan] }, null);
    const first = earlier[0];
    scans = {
      previous: earlier.length,
      firstSeenAt: first?.at.toISOString() ?? null,
      firstSeenLocation: first?.location ?? null,
      possibleReuse: valid && earlier.length > 0,
    };
  }
  return {
    valid,
    status,
    reasons,
    codes,
    signatureValid: meter ? verdict.signatureValid : false,
    testItem: verdict.testItem,
    itemId,
    item: itemJson(d),
    meterStatus: meter?.status ?? null,
    scans,
    redemption: redemption ? { at: redemption.at.toISOString(), location: redemption.location } : null,
  };
}

function malformed(e: ItemFormatError): PublicVerdict {
  const reasons = [`malformed item: ${e.message}`];
  return {
    valid: false,
    status: 'invalid',
    reasons,
    codes: ['malformed_item'],
    signatureValid: false,
    testItem: false,
    itemId: null,
    item: null,
    meterStatus: null,
    scans: NO_SCANS,
    redemption: null,
  };
}

export interface Redeemed {
  readonly itemId: string;
  readonly item: Record<string, unknown> | null;
}

/** Redeem a ticket, coupon, voucher or gift certificate: exactly one redemption per item, even when two race. */
export async function redeem(ctx: ServiceContext, itemBytes: Buffer, location: string): Promise<Redeemed> {
  const v = await verifyForPublic(ctx, itemBytes, location);
  if (v.status === 'redeemed' && v.redemption) alreadyRedeemed(v.redemption.at, v.redemption.location);
  if (!v.valid || !v.itemId || v.status !== 'valid')
    fail('not_redeemable', v.reasons.join('; ') || 'the item is not known to this installation', { reasons: v.reasons });
  if (v.item?.kind === 'postage') fail('not_redeemable', 'postage is not redeemed; it is scanned');
  const itemId = v.itemId;
  const meterId = String(v.item!.meterId);
  await logChange(ctx, {
    key: `item:${itemId}`,
    meterId,
    effects: async ({ tx }) => {
      const first = await repo.findRedemption(tx, itemId);
      if (first) alreadyRedeemed(first.at.toISOString(), first.location);
      return [{ kind: 'item_redeemed', itemId, meterId, location }];
    },
  });
  return { itemId, item: v.item };
}

function alreadyRedeemed(at: string, location: string): never {
  return fail('already_redeemed', `first redeemed at ${at} (${location || 'no location'})`, { firstRedeemedAt: at, firstRedeemedLocation: location });
}
