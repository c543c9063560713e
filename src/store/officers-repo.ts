import type { Q } from './query.js';

// membership.officers: created by the officer_created ledger effect; `vaultmeter init` inserts the
// first security officer, before any module runs (every backup holds it).

export interface OfficerRow {
  username: string;
  passwordHash: string;
  role: string;
}

export async function findOfficer(q: Q, username: string): Promise<OfficerRow | null> {
  const r = await q.query<OfficerRow>('SELECT username, password_hash AS "passwordHash", role FROM membership.officers WHERE username = $1', [username]);
  return r.rows[0] ?? null;
}

/** An officer who may log in: a removed one is answered as an unknown name. */
export async function findActiveOfficer(q: Q, username: string): Promise<OfficerRow | null> {
  const r = await q.query<OfficerRow>(
    'SELECT username, password_hash AS "passwordHash", role FROM membership.officers WHERE username = $1 AND removed_at IS NULL',
    [username],
  );
  return r.rows[0] ?? null;
}

/** Security officers who may still log in and sign: dual control needs two. */
export async function countActiveSecurityOfficers(q: Q): Promise<number> {
  const r = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM membership.officers WHERE role = 'security_officer' AND removed_at IS NULL");
  return r.rows[0]!.n;
}

export async function insertBootstrapOfficer(q: Q, username: string, passwordHash: string): Promise<void> {
  await q.query("INSERT INTO membership.officers (username, password_hash, role) VALUES ($1, $2, 'security_officer')", [username, passwordHash]);
}
