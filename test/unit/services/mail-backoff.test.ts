import { describe, expect, it } from 'vitest';
import { MAIL_MAX_ATTEMPTS, MAIL_RETRY_BASE_MS, MAIL_RETRY_MAX_MS } from '../../../src/constants.js';
import { nextTryInMs, retryDelayMs, type RetryPolicy } from '../../../src/services/index.js';

const policy: RetryPolicy = { maxAttempts: 5, baseMs: 1000, maxMs: 6000 };

describe('mail retry backoff', () => {
  it('doubles from the base, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, policy))).toEqual([1000, 2000, 4000, 6000, 6000, 6000]);
    expect(retryDelayMs(0, policy)).toBe(1000);
    expect(retryDelayMs(10_000, policy)).toBe(6000);
  });

  it('gives up after the last allowed try', () => {
    expect(nextTryInMs(4, policy)).toBe(6000);
    expect(nextTryInMs(5, policy)).toBeNull();
    expect(nextTryInMs(6, policy)).toBeNull();
  });

  it('bounds the whole life of a mail under the default policy', () => {
    const d: RetryPolicy = { maxAttempts: MAIL_MAX_ATTEMPTS, baseMs: MAIL_RETRY_BASE_MS, maxMs: MAIL_RETRY_MAX_MS };
    let total = 0;
    for (let n = 1; n < MAIL_MAX_ATTEMPTS; n++) total += nextTryInMs(n, d)!;
    expect(nextTryInMs(MAIL_MAX_ATTEMPTS, d)).toBeNull();
    expect(total).toBeLessThan(24 * 60 * 60 * 1000);
    expect(total).toBeGreaterThan(60 * 60 * 1000);
  });
});
