import pg from 'pg';
import { MAX_SHIPPED_WAITERS, SHIPPED_POLL_MS, SHIPPED_WAIT_TIMEOUT_MS } from '../constants.js';
import { fail, VaultError } from '../errors.js';
import { shippingRepo, type Db } from '../store/index.js';

interface Waiter {
  logId: string;
  seq: bigint;
  resolve: () => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * `shipped` durability: an answer waits until its log record is on at least one ship target. The
 * shipper NOTIFYs after each upload; a slow poll covers a lost notification or a reconnect.
 */
export class ShippedWaiter {
  private readonly waiters = new Set<Waiter>();
  private poll: NodeJS.Timeout | null = null;
  private checking = false;
  private nudging = false;

  private constructor(
    private readonly db: Db,
    private readonly listener: pg.Client,
    private readonly targets: readonly string[],
  ) {}

  static async start(dbUrl: string, db: Db, targets: readonly string[]): Promise<ShippedWaiter> {
    const listener = new pg.Client({ connectionString: dbUrl });
    await listener.connect();
    const w = new ShippedWaiter(db, listener, targets);
    listener.on('notification', () => void w.check());
    listener.on('error', () => {}); // the poll keeps answers moving until the process is restarted
    await shippingRepo.listenShipped(listener);
    return w;
  }

  /** Resolve once record `seq` of log `logId` is on a target; fail with shipping_timeout after the limit. */
  wait(logId: string, seq: bigint): Promise<void> {
    if (this.waiters.size >= MAX_SHIPPED_WAITERS) fail('shipping_timeout', 'too many answers are waiting for the shipper');
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        logId,
        seq,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(
            new VaultError(
              'shipping_timeout',
              `log ${logId} record ${seq} was not shipped within ${SHIPPED_WAIT_TIMEOUT_MS} ms; it is committed and will ship`,
            ),
          );
        }, SHIPPED_WAIT_TIMEOUT_MS),
      };
      this.waiters.add(w);
      this.poll ??= setInterval(() => void this.check(), SHIPPED_POLL_MS);
      this.nudgeShipper();
      void this.check();
    });
  }

  /** Tell an idle shipper there is work, at most once per turn of the event loop. */
  private nudgeShipper(): void {
    if (this.nudging) return;
    this.nudging = true;
    setImmediate(() => {
      this.nudging = false;
      shippingRepo.notifyCommitted(this.db).catch(() => {});
    });
  }

  private async check(): Promise<void> {
    if (this.checking || this.waiters.size === 0) return;
    this.checking = true;
    try {
      const at = await shippingRepo.shippedUpTo(this.db, this.targets);
      for (const w of this.waiters) {
        if ((at.get(w.logId) ?? 0n) >= w.seq) {
          clearTimeout(w.timer);
          this.waiters.delete(w);
          w.resolve();
        }
      }
    } catch {
      // the next notification or poll tries again
    } finally {
      this.checking = false;
      if (this.waiters.size === 0 && this.poll) {
        clearInterval(this.poll);
        this.poll = null;
      }
    }
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new VaultError('shipping_timeout', 'the server is stopping'));
    }
    this.waiters.clear();
    await this.listener.end().catch(() => {});
  }
}
