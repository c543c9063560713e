import { describe, expect, it } from 'vitest';
import { MAX_REFUNDS_REMEMBERED } from '../../../src/constants.js';
import { checkRefundable, NO_REFUNDS, rememberRefund, type RefundMemory } from '../../../src/meter/index.js';
import { codeOf } from '../helpers/package.js';

const DAY = 86_400_000;
const NOW = 1_750_000_000_000;
const WINDOW = 30 * DAY;

describe('the refunds a package remembers', () => {
  it('refuses a second refund of an item, and none of another', () => {
    const m = rememberRefund(NO_REFUNDS, { serial: 5n, issuedMs: NOW - DAY }, NOW, WINDOW);
    expect(codeOf(() => checkRefundable(m, { serial: 5n, issuedMs: NOW - DAY }))).toBe('already_refunded');
    expect(codeOf(() => checkRefundable(m, { serial: 6n, issuedMs: NOW - DAY }))).toBeUndefined();
  });

  it('forgets items outside the window, and refuses anything as old as a forgotten one even if the window widens', () => {
    let m: RefundMemory = rememberRefund(NO_REFUNDS, { serial: 1n, issuedMs: NOW - 20 * DAY }, NOW, WINDOW);
    m = rememberRefund(m, { serial: 2n, issuedMs: NOW - DAY }, NOW + 15 * DAY, WINDOW);
    expect(m.items.map((r) => r.serial)).toEqual([2n]);
    expect(m.floorMs).toBe(NOW - 20 * DAY + 1);
    // Serial 1 is out of the window now; were the window widened, the floor still refuses it.
    expect(codeOf(() => checkRefundable(m, { serial: 1n, issuedMs: NOW - 20 * DAY }))).toBe('refund_window_closed');
    expect(codeOf(() => checkRefundable(m, { serial: 3n, issuedMs: NOW - 19 * DAY }))).toBeUndefined();
  });

  it(`keeps at most ${MAX_REFUNDS_REMEMBERED} items, forgetting the oldest issued and raising the floor past them`, () => {
    let m: RefundMemory = NO_REFUNDS;
    for (let i = 0; i < MAX_REFUNDS_REMEMBERED + 3; i++) m = rememberRefund(m, { serial: BigInt(i), issuedMs: NOW - DAY + i }, NOW, WINDOW);
    expect(m.items).toHaveLength(MAX_REFUNDS_REMEMBERED);
    expect(m.items[0]!.serial).toBe(3n);
    expect(m.floorMs).toBe(NOW - DAY + 3);
    for (let i = 0; i < MAX_REFUNDS_REMEMBERED + 3; i++) expect(codeOf(() => checkRefundable(m, { serial: BigInt(i), issuedMs: NOW - DAY + i }))).toBeDefined();
  });
});
