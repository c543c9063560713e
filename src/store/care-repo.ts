import type { Q } from './query.js';

// Customer care's reads: a customer's standing for a support agent's look-up, the pending password
// reset a client picks up, and closed accounts' refunds (ledger state, written by the appliers).

export interface MeterStanding {
  status: string;
  statusReason: string | null;
  statusAt: Date | null;
  packageVersion: bigint;
}

export async function meterStanding(q: Q, meterId: string): Promise<MeterStanding | null> {
  const r = await q.query<MeterStanding>(
    `SELECT status, status_reason AS "statusReason", status_at AS "statusAt", package_version AS "packageVersion"
     FROM postal.meters WHERE meter_id = $1`,
    [meterId],
  );
  return r.rows[0] ?? null;
}

export interface PasswordResetRow {
  resetNonce: Buffer;
  sealedPassword: Buffer;
  resetAt: Date;
}

export async function findPasswordReset(q: Q, meterId: string): Promise<PasswordResetRow | null> {
  const r = await q.query<PasswordResetRow>(
    `SELECT reset_nonce AS "resetNonce", sealed_password AS "sealedPassword", reset_at AS "resetAt" FROM membership.password_resets WHERE meter_id = $1`,
    [meterId],
  );
  return r.rows[0] ?? null;
}

export interface AccountRefundRow {
  meterId: string;
  username: string | null;
  refundMills: bigint;
  owedMills: bigint;
  reason: string;
  officers: string[];
  closedAt: Date;
  state: string;
}

const REFUND_COLUMNS = `r.meter_id AS "meterId", c.username, r.refund_mills AS "refundMills", r.owed_mills AS "owedMills", r.reason, r.officers,
  r.closed_at AS "closedAt", r.state`;

export async function findAccountRefund(q: Q, meterId: string): Promise<AccountRefundRow | null> {
  const r = await q.query<AccountRefundRow>(
    `SELECT ${REFUND_COLUMNS} FROM commerce.account_refunds r LEFT JOIN membership.customers c USING (meter_id) WHERE r.meter_id = $1`,
    [meterId],
  );
  return r.rows[0] ?? null;
}

/** Closed accounts, newest first; `state` narrows to payable, paid or none. */
export async function listAccountRefunds(q: Q, state: string | null, limit: number): Promise<AccountRefundRow[]> {
  const r = await q.query<AccountRefundRow>(
    `SELECT ${REFUND_COLUMNS} FROM commerce.account_refunds r LEFT JOIN membership.customers c USING (meter_id)
     WHERE $1::text IS NULL OR r.state = $1 ORDER BY r.closed_at DESC LIMIT $2`,
    [state, limit],
  );
  return r.rows;
}

export interface CareEventRow {
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

/** A meter's audit trail, newest first: unlocks, revocations, care acts. */
export async function meterAuditEvents(q: Q, meterId: string, limit: number): Promise<CareEventRow[]> {
  const r = await q.query<CareEventRow>(
    'SELECT kind, actor, detail, at FROM support.audit_events WHERE meter_id = $1 ORDER BY at DESC, event_id DESC LIMIT $2',
    [meterId, limit],
  );
  return r.rows;
}
