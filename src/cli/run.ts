import { Command } from 'commander';
import { reportError } from './output.js';

/** Wrap an action so that every failure is reported the same way. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args.find((a) => a instanceof Command) as Command | undefined;
    const opts = (cmd?.optsWithGlobals() ?? args.find((a) => typeof a === 'object' && a !== null && 'json' in (a as object))) as { json?: boolean } | undefined;
    try {
      await fn(...args);
    } catch (e) {
      reportError(e, opts?.json === true);
    }
  };
}
