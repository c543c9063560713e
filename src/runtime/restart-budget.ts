import { RESTART_FIRST_DELAY_MS, RESTART_MAX_DELAY_MS, RESTART_WINDOW_MS, RESTARTS_PER_WINDOW } from '../constants.js';

export interface RestartPolicy {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  readonly windowMs: number;
  readonly maxRestarts: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: RESTART_FIRST_DELAY_MS,
  maxDelayMs: RESTART_MAX_DELAY_MS,
  windowMs: RESTART_WINDOW_MS,
  maxRestarts: RESTARTS_PER_WINDOW,
};

/**
 * How soon to restart a process that died, from how often it died lately: a first death is
 * restarted at once (nearly), each further one in the window waits twice as long, and one death
 * too many in the window is a crash loop, which restarting would only hide.
 */
export class RestartBudget {
  private readonly restarts: number[] = [];

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {}

  /** The pause before the next start, or null for a crash loop (stop restarting). */
  next(nowMs: number): number | null {
    while (this.restarts.length > 0 && this.restarts[0]! <= nowMs - this.policy.windowMs) this.restarts.shift();
    if (this.restarts.length >= this.policy.maxRestarts) return null;
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** this.restarts.length);
    this.restarts.push(nowMs);
    return delayMs;
  }

  /** Restarts counted in the current window. */
  get recent(): number {
    return this.restarts.length;
  }
}
