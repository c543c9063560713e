import { PUBLIC_RATE_BURST, PUBLIC_RATE_PER_SEC, RATE_LIMIT_MAX_CLIENTS } from '../constants.js';
import { fail } from '../errors.js';

/** A token bucket per client address, with a bounded table (the oldest entries go first). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly perSec = PUBLIC_RATE_PER_SEC,
    private readonly burst = PUBLIC_RATE_BURST,
    private readonly maxClients = RATE_LIMIT_MAX_CLIENTS,
  ) {}

  take(client: string, nowMs = Date.now()): void {
    const b = this.buckets.get(client) ?? { tokens: this.burst, atMs: nowMs };
    const tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.perSec);
    this.buckets.delete(client);
    if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    this.buckets.set(client, { tokens: tokens - 1, atMs: nowMs });
    if (tokens < 1) fail('rate_limited', `at most ${this.perSec} requests per second per client`);
  }
}
