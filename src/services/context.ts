import type { AddressCheckMode, AddressVerifier } from '../address/index.js';
import type { ModulePool } from '../module/index.js';
import type { ShipTarget } from '../platform/index.js';
import type { Db } from '../store/index.js';
import type { Metrics } from './metrics.js';
import type { RateBook } from '../rates/index.js';
import type { AchConfig } from './payments/ach-config.js';
import type { PaymentPort } from './payments/port.js';

/** Waits, after a commit, until a module's log record has reached a backup target (`shipped` durability). */
export interface ShippedWait {
  wait(logId: string, seq: bigint): Promise<void>;
}

/** Everything a service needs; built once per API server process (the composition root is src/runtime). */
export interface ServiceContext extends PaymentPort {
  readonly db: Db;
  readonly modules: ModulePool;
  readonly caCertPem: string;
  readonly licensingZip: string;
  /** Inhibited modules at which the whole system halts meter commands. */
  readonly haltThreshold: number;
  /** Where the log ships (target names). */
  readonly shipTargets: readonly string[];
  readonly durability: 'local' | 'replica' | 'shipped';
  readonly shipped: ShippedWait | null;
  /**
   * Puts back records that the shipped log and the modules' journals hold and the database lacks (a
   * failover to a standby that missed the last commits, a copy put back); returns how many.
   * Injected: replay lives in src/txlog.
   */
  readonly rollForward: () => Promise<number>;
  /** Re-applies a meter's records to a package row found older than its log (or a module's journal) shows. */
  readonly repairMeter: (stale: StalePackage) => Promise<number>;
  /** This server's metrics (one registry per context; see docs/METRICS.md). */
  readonly metrics: Metrics;
  /** The rate tables the modules price with, for quotes (src/services/rate-book.ts). */
  readonly rateBook: { get(): Promise<RateBook>; invalidate(): void };
  /** Address matching (POST /v1/addresses/verify, the check before a print): the built-in matcher, or a vendor's adapter. */
  readonly addresses: AddressVerifier;
  /** What print does with a destination that does not verify (VAULTMETER_ADDRESS_CHECK). */
  readonly addressCheck: AddressCheckMode;
  /** The USPS Mailer ID in IMpb tracking numbers (VAULTMETER_MAILER_ID); unset means the development MID (DEV_MAILER_ID). */
  readonly mailerId?: string;
  /** Where ACH debits originate and where the NACHA files go (src/services/payments/ach-config.ts). */
  readonly ach: AchConfig;
  /** Where the provider reports go (VAULTMETER_PROVIDER_OUTBOX: a directory or an S3 bucket, like the ship targets). */
  readonly providerOutbox: ShipTarget;
}

/** A package refused as older than the meter: the version refused, what showed it newer, and a client's record (its evidence). */
export interface StalePackage {
  readonly meterId: string;
  readonly version: string;
  /** A package version, `client` (the client's record of its registers), or `unknown` (a repeated item serial). */
  readonly knownVersion: string;
  readonly clientArMills?: string;
  readonly clientDrMills?: string;
}
