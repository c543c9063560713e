import type { Q } from './query.js';

// membership.profiles (ledger state: written only by the `profile_updated` and `email_verified`
// appliers) and membership.email_tokens (not ledger state: a pending verification on this database;
// after a recovery the customer asks for a new mail by setting the address again).

export interface ProfileRow {
  name: string;
  company: string;
  address: Record<string, string>;
  email: string | null;
  emailVerifiedAt: Date | null;
  updatedAt: Date;
}

export async function findProfile(q: Q, customerId: bigint): Promise<ProfileRow | null> {
  const r = await q.query<ProfileRow>(
    `SELECT name, company, address, email, email_verified_at AS "emailVerifiedAt", updated_at AS "updatedAt"
     FROM membership.profiles WHERE customer_id = $1`,
    [customerId],
  );
  return r.rows[0] ?? null;
}

/** The address mail about a meter may go to: its customer's, and only once verified. */
export async function verifiedEmailOfMeter(q: Q, meterId: string): Promise<{ username: string; email: string } | null> {
  const r = await q.query<{ username: string; email: string }>(
    `SELECT c.username, p.email FROM membership.customers c JOIN membership.profiles p USING (customer_id)
     WHERE c.meter_id = $1 AND p.email_verified_at IS NOT NULL`,
    [meterId],
  );
  return r.rows[0] ?? null;
}

export interface EmailTokenRow {
  customerId: bigint;
  email: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export async function insertEmailToken(q: Q, tokenSha256: Buffer, customerId: bigint, email: string, expiresAt: Date): Promise<void> {
  await q.query('INSERT INTO membership.email_tokens (token_sha256, customer_id, email, expires_at) VALUES ($1, $2, $3, $4)', [
    tokenSha256,
    customerId,
    email,
    expiresAt,
  ]);
}

/** The token's row, locked until the transaction ends: two uses of one token are decided one after the other. */
export async function lockEmailToken(q: Q, tokenSha256: Buffer): Promise<EmailTokenRow | null> {
  const r = await q.query<EmailTokenRow>(
    `SELECT customer_id AS "customerId", email, expires_at AS "expiresAt", used_at AS "usedAt"
     FROM membership.email_tokens WHERE token_sha256 = $1 FOR UPDATE`,
    [tokenSha256],
  );
  return r.rows[0] ?? null;
}

export async function useEmailToken(q: Q, tokenSha256: Buffer): Promise<void> {
  await q.query('UPDATE membership.email_tokens SET used_at = now() WHERE token_sha256 = $1 AND used_at IS NULL', [tokenSha256]);
}
