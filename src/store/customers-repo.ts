import type { Q } from './query.js';

// membership.customers (written by ledger effects) and membership.sessions (not ledger state: a
// session is a login on this database, and a recovered installation asks customers to log in again).

export interface CustomerRow {
  customerId: bigint;
  username: string;
  meterId: string;
  registeredAt: Date | null;
}

const CUSTOMER_COLUMNS = `customer_id AS "customerId", username, meter_id AS "meterId", registered_at AS "registeredAt"`;

export async function findCustomer(q: Q, username: string): Promise<CustomerRow | null> {
  const r = await q.query<CustomerRow>(`SELECT ${CUSTOMER_COLUMNS} FROM membership.customers WHERE username = $1`, [username]);
  return r.rows[0] ?? null;
}

export interface SessionRow {
  customerId: bigint;
  username: string;
  meterId: string;
  expiresAt: Date;
  /** A member's session: its name and role (the owner's: null). */
  member: string | null;
  role: string | null;
}

export async function insertSession(q: Q, tokenSha256: Buffer, customerId: bigint, expiresAt: Date, member: string | null = null): Promise<void> {
  await q.query('INSERT INTO membership.sessions (token_sha256, customer_id, expires_at, member) VALUES ($1, $2, $3, $4)', [
    tokenSha256,
    customerId,
    expiresAt,
    member,
  ]);
}

/** A live session; a member's only while the member is active (a removed or locked member's sessions are dead at once). */
export async function findSession(q: Q, tokenSha256: Buffer): Promise<SessionRow | null> {
  const r = await q.query<SessionRow>(
    `SELECT s.customer_id AS "customerId", c.username, c.meter_id AS "meterId", s.expires_at AS "expiresAt", s.member, m.role
     FROM membership.sessions s JOIN membership.customers c USING (customer_id)
       LEFT JOIN membership.account_members m ON m.meter_id = c.meter_id AND m.member = s.member AND m.status = 'active'
     WHERE s.token_sha256 = $1 AND s.expires_at > now() AND (s.member IS NULL OR m.role IS NOT NULL)`,
    [tokenSha256],
  );
  return r.rows[0] ?? null;
}

/** Every session of an account (`member` undefined), the owner's only (null), or one member's. */
export async function deleteSessions(q: Q, customerId: bigint, member?: string | null): Promise<void> {
  if (member === undefined) await q.query('DELETE FROM membership.sessions WHERE customer_id = $1', [customerId]);
  else await q.query('DELETE FROM membership.sessions WHERE customer_id = $1 AND member IS NOT DISTINCT FROM $2', [customerId, member]);
}

export async function deleteSession(q: Q, tokenSha256: Buffer): Promise<boolean> {
  const r = await q.query('DELETE FROM membership.sessions WHERE token_sha256 = $1', [tokenSha256]);
  return (r.rowCount ?? 0) > 0;
}
