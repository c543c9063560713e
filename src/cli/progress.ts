/**
 * A one-line progress display on stderr for long work (`what  done/total  rate/s`), redrawn at most
 * a few times a second. Without a terminal it prints a line per stage and a final count instead.
 */
export function progressLine(tty: boolean): { update: (what: string, done: number, total: number) => void; done: () => void } {
  let stage = '';
  let started = Date.now();
  let lastDraw = 0;
  let last = { what: '', done: 0, total: 0 };
  const draw = (final: boolean) => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const pct = last.total > 0 ? Math.min(100, Math.floor((100 * last.done) / last.total)) : 100;
    const bar = '#'.repeat(Math.floor(pct / 5)).padEnd(20, '.');
    const text = `${last.what}  [${bar}] ${pct}%  ${last.done}/${last.total}  ${Math.round(last.done / secs)}/s`;
    if (tty) process.stderr.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    else if (final) process.stderr.write(`${text}\n`);
  };
  return {
    update(what, done, total) {
      if (what !== stage) {
        if (stage) draw(true);
        stage = what;
        started = Date.now();
      }
      last = { what, done, total };
      const now = Date.now();
      if (now - lastDraw >= 200 || done >= total) {
        lastDraw = now;
        draw(false);
      }
    },
    done() {
      if (stage) draw(true);
    },
  };
}
