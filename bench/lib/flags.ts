/** Command-line flags of the fault suites: `--name value`, with --help printing `help` and exiting. */
export function exitOnHelp(help: string): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(help);
    process.exit(0);
  }
}

export function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

export function int(name: string, fallback: number, min: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer of at least ${min}`);
  return v;
}
