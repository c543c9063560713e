import { METER_POOL_REFILL_INTERVAL_MS, METER_POOL_TARGET } from '../constants.js';
import { repo } from '../store/index.js';
import { runModuleCommand } from './commit/module-commit.js';
import type { ServiceContext } from './context.js';

/** MeterGen: a module creates the meter (key, certificate, sealed package); its ledger effect stores it unassigned. */
export function provisionMeter(ctx: ServiceContext): Promise<string> {
  return runModuleCommand(ctx, {
    op: 'provision',
    key: null,
    prepare: () => ({ licensingZip: ctx.licensingZip }),
    answer: (_scope, m) => m.meterId,
  });
}

/** Keeps METER_POOL_TARGET unassigned meters ready, so registration never waits on key generation. */
export class MeterPool {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly log: (msg: string) => void,
    private readonly target = METER_POOL_TARGET,
  ) {}

  start(): void {
    if (this.target === 0) return; // registrations provision their meter on demand
    void this.refill();
    this.timer = setInterval(() => void this.refill(), METER_POOL_REFILL_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  refill(): Promise<void> {
    this.running ??= this.fill().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async fill(): Promise<void> {
    try {
      let missing = this.target - (await repo.countUnassignedMeters(this.ctx.db));
      while (missing-- > 0) await provisionMeter(this.ctx);
    } catch (e) {
      this.log(`meter pool refill failed: ${(e as Error).message}`);
    }
  }
}
