import type { Q } from './query.js';

// support.audit_events (the operations journal, plus the rows ledger effects write),
// support.approvals (written by ledger effects) and support.operator_actions (likewise).

export async function recordAudit(
  q: Q,
  e: { kind: string; moduleSerial?: string | null; meterId?: string | null; actor?: string | null; detail?: object },
): Promise<void> {
  await q.query('INSERT INTO support.audit_events (kind, module_serial, meter_id, actor, detail) VALUES ($1, $2, $3, $4, $5)', [
    e.kind,
    e.moduleSerial ?? null,
    e.meterId || null,
    e.actor ?? null,
    JSON.stringify(e.detail ?? {}),
  ]);
}

export interface AuditEventRow {
  eventId: bigint;
  at: Date;
  kind: string;
  moduleSerial: string | null;
  meterId: string | null;
  actor: string | null;
  detail: Record<string, unknown>;
}

export async function listAuditEvents(q: Q, sinceId: bigint, limit: number): Promise<AuditEventRow[]> {
  const r = await q.query<AuditEventRow>(
    `SELECT event_id AS "eventId", at, kind, module_serial AS "moduleSerial", meter_id AS "meterId", actor, detail
     FROM support.audit_events WHERE event_id > $1 ORDER BY event_id LIMIT $2`,
    [sinceId, limit],
  );
  return r.rows;
}

export interface ApprovalRow {
  approvalId: bigint;
  action: string;
  params: Record<string, string>;
  requestedBy: string;
  requestedAt: Date;
  decidedBy: string | null;
  state: string;
}

const APPROVAL_COLUMNS = `approval_id AS "approvalId", action, params, requested_by AS "requestedBy", requested_at AS "requestedAt",
  decided_by AS "decidedBy", state`;

/** The id a new approval request will carry (drawn before the request is logged, so replay keeps it). */
export async function nextApprovalId(q: Q): Promise<bigint> {
  const r = await q.query<{ id: bigint }>("SELECT nextval('support.approvals_approval_id_seq') AS id");
  return r.rows[0]!.id;
}

export async function findApproval(q: Q, id: bigint): Promise<ApprovalRow | null> {
  const r = await q.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM support.approvals WHERE approval_id = $1`, [id]);
  return r.rows[0] ?? null;
}

export async function listApprovals(q: Q, state: string | null): Promise<ApprovalRow[]> {
  const r = await q.query<ApprovalRow>(
    `SELECT ${APPROVAL_COLUMNS} FROM support.approvals WHERE $1::text IS NULL OR state = $1 ORDER BY approval_id DESC LIMIT 100`,
    [state],
  );
  return r.rows;
}

/** The approval request, locked until the transaction ends (two approvers never both carry it out). */
export async function lockApproval(q: Q, id: bigint): Promise<ApprovalRow | null> {
  const r = await q.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM support.approvals WHERE approval_id = $1 FOR UPDATE`, [id]);
  return r.rows[0] ?? null;
}
