import { METER_POOL_REFILL_INTERVAL_MS, METER_POOL_TARGET } from '../constants.js';
import { repo } from '../store/index.js';
import type { ServerContext } from './context.js';
import { onModule } from './module-tx.js';

/** MeterGen: a module creates the meter (key, certificate, sealed package); the server stores it unassigned. */
export async function provisionMeter(ctx: ServerContext): Promise<string> {
  return onModule(
    ctx,
    'provision',
    async () => ({ licensingZip: ctx.licensingZip }),
    async (tx, m) => {
      await repo.insertMeter(tx, {
        meterId: m.meterId,
        certSerial: m.certSerialHex,
        certificatePem: m.certificatePem,
        package: Buffer.from(m.package.sealed, 'base64'),
        packageVersion: BigInt(m.package.version),
        licensingZip: ctx.licensingZip,
      });
      return m.meterId;
    },
  );
}

/** Keeps METER_POOL_TARGET unassigned meters ready, so registration never waits on key generation. */
export class MeterPool {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: ServerContext,
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
