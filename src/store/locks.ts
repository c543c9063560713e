import { PAYMENTS_LOCK_KEY, PROVIDER_REPORTS_LOCK_KEY, ROLL_FORWARD_LOCK_KEY, SHIPPER_LOCK_KEY } from '../constants.js';
import type { Q } from './query.js';

// Session advisory locks: one roll-forward at a time, one shipper per installation.

export async function lockRollForward(q: Q): Promise<void> {
  await q.query('SELECT pg_advisory_lock($1)', [ROLL_FORWARD_LOCK_KEY]);
}

export async function unlockRollForward(q: Q): Promise<void> {
  await q.query('SELECT pg_advisory_unlock($1)', [ROLL_FORWARD_LOCK_KEY]);
}

/** The shipper election: true when this connection now holds the lock. */
export async function tryLockShipper(q: Q): Promise<boolean> {
  const r = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SHIPPER_LOCK_KEY]);
  return r.rows[0]!.ok;
}

/** One payments run (filing, settlement) per installation: true when this connection now holds the lock. */
export async function tryLockPayments(q: Q): Promise<boolean> {
  const r = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PAYMENTS_LOCK_KEY]);
  return r.rows[0]!.ok;
}

export async function unlockPayments(q: Q): Promise<void> {
  await q.query('SELECT pg_advisory_unlock($1)', [PAYMENTS_LOCK_KEY]);
}

/** One provider report run per installation: true when this connection now holds the lock. */
export async function tryLockProviderReports(q: Q): Promise<boolean> {
  const r = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [PROVIDER_REPORTS_LOCK_KEY]);
  return r.rows[0]!.ok;
}

export async function unlockProviderReports(q: Q): Promise<void> {
  await q.query('SELECT pg_advisory_unlock($1)', [PROVIDER_REPORTS_LOCK_KEY]);
}
