import { join } from 'node:path';
import { DEFAULT_ACH_HOLD_HOURS, MAX_ACH_HOLD_HOURS, MAX_PAYMENTS_POLL_MS, MIN_PAYMENTS_POLL_MS, PAYMENTS_POLL_MS } from '../../constants.js';
import { abaChecksumOk } from '../../payments/index.js';

// Where the installation's ACH debits originate, and where the daily NACHA file goes. Read from the
// environment once per process; unset values fall back to a development origin that is marked as
// such on every file, so a development file is never mistaken for a real one.

export interface AchConfig {
  /** 9-digit routing number of the originating bank (ODFI); trace numbers start with its first 8. */
  readonly odfi: string;
  /** 9-digit routing number of the bank that receives the file (usually the ODFI). */
  readonly destination: string;
  readonly destinationName: string;
  readonly originName: string;
  readonly companyName: string;
  /** 10 characters: the originator's company identification (often '1' + the EIN). */
  readonly companyId: string;
  /** The directory the NACHA files are written to, for the bank's transfer agent to pick up. */
  readonly outboxDir: string;
  readonly holdHours: number;
  /** UTC "HH:MM" of the daily file, or null when only `admin payments run` files. */
  readonly cutoffUtc: { readonly hour: number; readonly minute: number } | null;
  /** How often the payments job looks for due settlements and the cut-off (VAULTMETER_PAYMENTS_POLL_MS). */
  readonly pollMs: number;
  /** True when the origin is the development default (VAULTMETER_ACH_ODFI unset). */
  readonly development: boolean;
}

/** A valid routing number (the Federal Reserve Bank of Boston's), used only while VAULTMETER_ACH_ODFI is unset. */
export const DEV_ACH_ODFI = '011000015';

function routing(name: string, value: string): string {
  if (!abaChecksumOk(value)) throw new Error(`${name} must be a 9-digit ABA routing number with a valid check digit`);
  return value;
}

function cutoff(raw: string | undefined): AchConfig['cutoffUtc'] {
  const v = raw?.trim() || '21:00';
  if (v === 'off') return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v);
  if (!m) throw new Error('VAULTMETER_ACH_CUTOFF_UTC must be HH:MM (UTC) or off');
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

function holdHours(raw: string | undefined): number {
  const v = raw === undefined || raw === '' ? DEFAULT_ACH_HOLD_HOURS : Number(raw);
  if (!Number.isInteger(v) || v < 0 || v > MAX_ACH_HOLD_HOURS) throw new Error(`VAULTMETER_ACH_HOLD_HOURS must be an integer from 0 to ${MAX_ACH_HOLD_HOURS}`);
  return v;
}

/** `vaultmeter start` sets VAULTMETER_BANK_OUTBOX (default: bank-outbox in the home) for the API server. */
function pollMs(raw: string | undefined): number {
  const v = raw === undefined || raw === '' ? PAYMENTS_POLL_MS : Number(raw);
  if (!Number.isInteger(v) || v < MIN_PAYMENTS_POLL_MS || v > MAX_PAYMENTS_POLL_MS)
    throw new Error(`VAULTMETER_PAYMENTS_POLL_MS must be an integer from ${MIN_PAYMENTS_POLL_MS} to ${MAX_PAYMENTS_POLL_MS}`);
  return v;
}

export function achConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AchConfig {
  const development = !env.VAULTMETER_ACH_ODFI;
  const odfi = routing('VAULTMETER_ACH_ODFI', env.VAULTMETER_ACH_ODFI ?? DEV_ACH_ODFI);
  const companyId = env.VAULTMETER_ACH_COMPANY_ID ?? '1000000000';
  if (!/^[0-9A-Za-z ]{10}$/.test(companyId)) throw new Error('VAULTMETER_ACH_COMPANY_ID must be 10 letters or digits');
  return {
    odfi,
    destination: routing('VAULTMETER_ACH_DESTINATION', env.VAULTMETER_ACH_DESTINATION ?? odfi),
    destinationName: env.VAULTMETER_ACH_DESTINATION_NAME ?? (development ? 'DEVELOPMENT BANK' : 'ODFI'),
    originName: env.VAULTMETER_ACH_COMPANY_NAME ?? 'VAULTMETER',
    companyName: env.VAULTMETER_ACH_COMPANY_NAME ?? 'VAULTMETER',
    companyId,
    outboxDir: env.VAULTMETER_BANK_OUTBOX || join(env.VAULTMETER_HOME || process.cwd(), 'bank-outbox'),
    holdHours: holdHours(env.VAULTMETER_ACH_HOLD_HOURS),
    cutoffUtc: cutoff(env.VAULTMETER_ACH_CUTOFF_UTC),
    pollMs: pollMs(env.VAULTMETER_PAYMENTS_POLL_MS),
    development,
  };
}
