// Loaded with `node --import` into every process of a test system (through NODE_OPTIONS): the
// process's clock runs at real time plus the offset (ms) written in VAULTMETER_TEST_CLOCK_FILE,
// re-read every 20 ms. A test moves the whole system to tomorrow by writing the file, so a day can
// be over without waiting for midnight. PostgreSQL's own clock is not moved. Test-only.
import { readFileSync } from 'node:fs';

const file = process.env.VAULTMETER_TEST_CLOCK_FILE;
if (file) {
  const Real = Date;
  const realNow = Real.now.bind(Real);
  let offsetMs = 0;
  let readAt = Number.NEGATIVE_INFINITY;
  const shiftedNow = () => {
    const t = realNow();
    if (t - readAt > 20) {
      readAt = t;
      try {
        offsetMs = Number(readFileSync(file, 'utf8')) || 0;
      } catch {
        // A file being rewritten: keep the last offset.
      }
    }
    return t + offsetMs;
  };
  class ShiftedDate extends Real {
    constructor(...args) {
      if (args.length === 0) super(shiftedNow());
      else super(...args);
    }
    static now() {
      return shiftedNow();
    }
  }
  globalThis.Date = ShiftedDate;
}
