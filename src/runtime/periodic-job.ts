// A job of the API server that runs now and then every `pollMs`, one tick at a time (a tick never
// overlaps the one before); `stop` waits for the tick in progress.

export interface PeriodicJob {
  stop(): Promise<void>;
}

export function startPeriodicJob(tick: () => Promise<void>, pollMs: number): PeriodicJob {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, pollMs);
  timer.unref();
  running = running.then(tick);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
