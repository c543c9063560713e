import pg from 'pg';
import { DB_CONNECT_TIMEOUT_MS, DB_RECONNECT_MAX_MS, DB_RECONNECT_MIN_MS, SHIPPER_ELECTION_RETRY_MS } from '../constants.js';
import { locks, shippingRepo } from '../store/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One shipper per installation: the one whose connection holds a PostgreSQL advisory lock. The
 * lock lives as long as the connection, so a lost connection (the database restarted, a failover)
 * is a lost election: the shipper reconnects with a growing pause and is elected again before it
 * ships another byte. The same connection LISTENs for API servers that wait on the shipper.
 */
export class ShipperElection {
  private client: pg.Client | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly dbUrl: string,
    private readonly log: (line: string) => void,
  ) {}

  /** True while this process holds the lock on a live connection (read by the mail worker, which never elects). */
  get elected(): boolean {
    return this.client !== null;
  }

  /** Wait until this process holds the lock on a live connection; false if `stopping` turned true first. */
  async hold(stopping: () => boolean): Promise<boolean> {
    let failures = 0;
    while (!stopping() && !this.client) {
      try {
        await this.elect(stopping);
        failures = 0;
      } catch (e) {
        failures++;
        const pauseMs = Math.min(DB_RECONNECT_MAX_MS, DB_RECONNECT_MIN_MS * 2 ** Math.min(failures, 10));
        this.log(`election: the database cannot be reached (${(e as Error).message}); trying again in ${pauseMs} ms`);
        await sleep(pauseMs);
      }
    }
    return this.client !== null;
  }

  /** One connection: try for the lock on it until elected, stopping, or the connection is lost. */
  private async elect(stopping: () => boolean): Promise<void> {
    const c = new pg.Client({ connectionString: this.dbUrl, connectionTimeoutMillis: DB_CONNECT_TIMEOUT_MS });
    let lost: Error | null = null;
    c.on('error', (e) => {
      lost = e;
      if (this.client !== c) return;
      this.client = null;
      this.log(`lost the election connection (${e.message}); reconnecting`);
    });
    await c.connect();
    try {
      while (!stopping() && !lost && !(await locks.tryLockShipper(c))) await sleep(SHIPPER_ELECTION_RETRY_MS);
      if (stopping() || lost) throw lost ?? new Error('stopping');
      c.on('notification', () => this.wake?.());
      await shippingRepo.listenCommitted(c);
      this.client = c;
    } catch (e) {
      await c.end().catch(() => {});
      if (!stopping()) throw e;
    }
  }

  /** A pause that ends early when an API server notifies COMMITTED_CHANNEL (a `shipped` answer waits). */
  pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }

  async end(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
