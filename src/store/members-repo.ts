import type { Q } from './query.js';

// membership.account_members (ledger state: written only by the member_* appliers). The server's
// view of the member slots a package holds, for the owner's listing and for resolving a login.

export interface MemberRow {
  meterId: string;
  member: string;
  role: string;
  status: 'invited' | 'active' | 'locked' | 'removed';
  email: string | null;
  invitedAt: Date;
  expiresAt: Date;
  joinedAt: Date | null;
  removedAt: Date | null;
}

const COLUMNS = `meter_id AS "meterId", member, role, status, email, invited_at AS "invitedAt", expires_at AS "expiresAt",
  joined_at AS "joinedAt", removed_at AS "removedAt"`;

export async function findMember(q: Q, meterId: string, member: string): Promise<MemberRow | null> {
  const r = await q.query<MemberRow>(`SELECT ${COLUMNS} FROM membership.account_members WHERE meter_id = $1 AND member = $2`, [meterId, member]);
  return r.rows[0] ?? null;
}

/** An account's members, removed ones too (the owner sees who left and when), by name. */
export async function listMembers(q: Q, meterId: string): Promise<MemberRow[]> {
  const r = await q.query<MemberRow>(`SELECT ${COLUMNS} FROM membership.account_members WHERE meter_id = $1 ORDER BY member`, [meterId]);
  return r.rows;
}
