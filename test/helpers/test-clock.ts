import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A clock that a test system runs on and the test moves (shifted-clock.mjs, loaded in every
// process through NODE_OPTIONS): the way to let a day be over without waiting for midnight.

const SHIM = join(import.meta.dirname, 'shifted-clock.mjs');
export const DAY_MS = 86_400_000;

export class TestClock {
  private constructor(private readonly file: string) {}

  /** A clock at real time (offset 0). */
  static async create(): Promise<TestClock> {
    const clock = new TestClock(join(await mkdtemp(join(tmpdir(), 'vmclock-')), 'offset'));
    await clock.set(Date.now());
    return clock;
  }

  /** The environment that puts a system (and every CLI it runs) on this clock. */
  get env(): Record<string, string> {
    return { NODE_OPTIONS: `--import ${SHIM}`, VAULTMETER_TEST_CLOCK_FILE: this.file };
  }

  /** Move the system's clock so that it reads `atMs` now. */
  async set(atMs: number): Promise<void> {
    await writeFile(this.file, String(atMs - Date.now()));
  }

  /** The UTC day `ms` falls in. */
  static dayOf(ms: number): string {
    return new Date(ms).toISOString().slice(0, 10);
  }

  /** Noon UTC of the day after `day`. */
  static noonAfter(day: string): number {
    return Date.parse(`${day}T12:00:00.000Z`) + DAY_MS;
  }
}
