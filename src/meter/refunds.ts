import { MAX_REFUNDS_REMEMBERED } from '../constants.js';
import { fail } from '../errors.js';

// "Refunded once" is the module's to enforce, not the database's: the application role can reset
// postal.items.refunded_at, but not the sealed package. So the package remembers the items it
// refunded for as long as they could be refunded again, and forgets them after, within a bound.

/** An item this meter refunded: its serial, and the date it carries (ms), which its refund window runs from. */
export interface RefundedItem {
  readonly serial: bigint;
  readonly issuedMs: number;
}

export interface RefundMemory {
  /** Oldest first. */
  readonly items: readonly RefundedItem[];
  /**
   * Items issued before this may not be refunded: the memory of some refund that old was given up
   * (it left the window, or the bound). It stays safe if the window is widened later.
   */
  readonly floorMs: number;
}

export const NO_REFUNDS: RefundMemory = { items: [], floorMs: 0 };

/** Refuse a second refund of an item, or one of an item older than what the meter still remembers. */
export function checkRefundable(m: RefundMemory, item: RefundedItem): void {
  if (m.items.some((r) => r.serial === item.serial)) fail('already_refunded', `item ${item.serial} of this meter was already refunded`);
  if (item.issuedMs < m.floorMs) fail('refund_window_closed', 'the meter no longer keeps the refunds of items this old');
}

/**
 * The memory after refunding `item`: items issued before the window's start (now − window) are
 * forgotten, and the oldest beyond MAX_REFUNDS_REMEMBERED; the floor rises past every forgotten one.
 */
export function rememberRefund(m: RefundMemory, item: RefundedItem, nowMs: number, windowMs: number): RefundMemory {
  const all = [...m.items, item].sort((a, b) => a.issuedMs - b.issuedMs || (a.serial < b.serial ? -1 : 1));
  const windowStart = nowMs - windowMs;
  const firstInWindow = all.findIndex((r) => r.issuedMs >= windowStart);
  const keepFrom = Math.max(firstInWindow < 0 ? all.length : firstInWindow, all.length - MAX_REFUNDS_REMEMBERED);
  const forgotten = all.slice(0, keepFrom);
  const floorMs = forgotten.reduce((f, r) => Math.max(f, r.issuedMs + 1), m.floorMs);
  return { items: all.slice(keepFrom), floorMs };
}
