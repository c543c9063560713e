// When a mail that could not be sent is tried again: exponential backoff, bounded both in the wait
// and in the number of tries, so a dead address or server costs a fixed, small amount of work.

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The wait after the `attempts`-th failed try (1 for the first): base, 2·base, 4·base, … up to maxMs. */
export function retryDelayMs(attempts: number, policy: RetryPolicy): number {
  const doublings = Math.max(0, Math.min(attempts - 1, 30));
  return Math.min(policy.maxMs, policy.baseMs * 2 ** doublings);
}

/** The wait before the next try, or null when `attempts` tries were the last (the mail has failed). */
export function nextTryInMs(attempts: number, policy: RetryPolicy): number | null {
  return attempts >= policy.maxAttempts ? null : retryDelayMs(attempts, policy);
}
