import type { Q } from './query.js';

// provider.reports (written only by the `provider_reports_filed` applier), and the ledger's own
// totals of a day, which `provider reports verify` holds a report's trailer against.

export interface ReportRow {
  day: string;
  kind: string;
  issue: number;
  objectKey: string;
  sha256: string;
  lines: number;
  signer: string;
  target: string;
  reason: string | null;
  officer: string | null;
  filedAt: Date;
}

const COLUMNS = `to_char(day, 'YYYY-MM-DD') AS day, kind, issue, object_key AS "objectKey", sha256, lines, signer, target, reason, officer,
  filed_at AS "filedAt"`;

/** The newest issue of a day's reports (all four kinds), or null when the day was never filed. */
export async function latestIssue(q: Q, day: string): Promise<ReportRow[] | null> {
  const r = await q.query<ReportRow>(
    `SELECT ${COLUMNS} FROM provider.reports WHERE day = $1 AND issue = (SELECT max(issue) FROM provider.reports WHERE day = $1) ORDER BY kind`,
    [day],
  );
  return r.rows.length ? r.rows : null;
}

/** The last day filed, or null. */
export async function lastFiledDay(q: Q): Promise<string | null> {
  const r = await q.query<{ day: string | null }>(`SELECT to_char(max(day), 'YYYY-MM-DD') AS day FROM provider.reports`);
  return r.rows[0]?.day ?? null;
}

/** The first day filed, or null. */
export async function firstFiledDay(q: Q): Promise<string | null> {
  const r = await q.query<{ day: string | null }>(`SELECT to_char(min(day), 'YYYY-MM-DD') AS day FROM provider.reports`);
  return r.rows[0]?.day ?? null;
}

/** The UTC day of the log's first record, or null for an empty log. */
export async function firstRecordDay(q: Q): Promise<string | null> {
  const r = await q.query<{ day: string | null }>(`SELECT to_char(min(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM postal.txlog`);
  return r.rows[0]?.day ?? null;
}

/** Filed reports, newest day first, optionally of one day. */
export async function listReports(q: Q, f: { day?: string; limit: number }): Promise<ReportRow[]> {
  const r = await q.query<ReportRow>(
    `SELECT ${COLUMNS} FROM provider.reports WHERE ($1::date IS NULL OR day = $1) ORDER BY day DESC, issue DESC, kind LIMIT $2`,
    [f.day ?? null, f.limit],
  );
  return r.rows;
}

export async function findReport(q: Q, day: string, kind: string, issue: number | null): Promise<ReportRow | null> {
  const r = await q.query<ReportRow>(
    `SELECT ${COLUMNS} FROM provider.reports WHERE day = $1 AND kind = $2 AND ($3::int IS NULL OR issue = $3) ORDER BY issue DESC LIMIT 1`,
    [day, kind, issue],
  );
  return r.rows[0] ?? null;
}

/** Named totals, as decimal strings. */
export type LedgerTotals = Record<string, string>;

// The day's bounds in UTC, whatever the session's time zone.
const START = `($1::date::timestamp AT TIME ZONE 'UTC')`;
const END = `(($1::date + 1)::timestamp AT TIME ZONE 'UTC')`;
const inDay = (column: string) => `${column} >= ${START} AND ${column} < ${END}`;
const DAY_RANGE = inDay('at');

/**
 * What the ledger tables say of a day, in the trailer's names, from tables other than the log the
 * module read: fundings and returns from commerce.funding_requests and the officers' actions,
 * movements from provider.meter_movements, license acts from the audit trail.
 */
export async function ledgerTotals(q: Q, kind: string, day: string): Promise<LedgerTotals> {
  if (kind === 'resetting') return resettingTotals(q, day);
  if (kind === 'movement') {
    const r = await q.query<{ lines: string; meters: string }>(
      `SELECT count(*) AS lines, count(DISTINCT meter_id) AS meters FROM provider.meter_movements WHERE ${inDay('moved_at')}`,
      [day],
    );
    return { lines: r.rows[0]!.lines, meters: r.rows[0]!.meters };
  }
  if (kind === 'license-activity') {
    const r = await q.query<{ action: string; n: string }>(
      `SELECT CASE WHEN kind = 'license_issued' THEN 'issued' WHEN detail->>'status' = 'issued' THEN 'reinstated' ELSE detail->>'status' END AS action,
              count(*) AS n
         FROM support.audit_events WHERE kind IN ('license_issued', 'license_status_changed') AND ${DAY_RANGE} GROUP BY 1`,
      [day],
    );
    const of = (a: string) => r.rows.find((x) => x.action === a)?.n ?? '0';
    const lines = r.rows.reduce((n, x) => n + BigInt(x.n), 0n).toString();
    return { lines, issued: of('issued'), suspended: of('suspended'), reinstated: of('reinstated'), revoked: of('revoked') };
  }
  const r = await q.query<{ licensed: string }>(`SELECT count(DISTINCT meter_id) AS licensed FROM provider.meter_licenses WHERE issued_at < ${END}`, [day]);
  return { licensedEver: r.rows[0]!.licensed };
}

async function resettingTotals(q: Q, day: string): Promise<LedgerTotals> {
  const r = await q.query<{ type: string; n: string; mills: string }>(
    `SELECT 'reset' AS type, count(*) AS n, coalesce(sum((detail->>'amountMills')::bigint), 0) AS mills
       FROM support.operator_actions WHERE action = 'fund' AND ${DAY_RANGE}
     UNION ALL
     SELECT 'reset', count(*), coalesce(sum(amount_mills), 0) FROM commerce.funding_requests WHERE ${inDay('settled_at')}
     UNION ALL
     SELECT 'return', count(*), coalesce(sum(owed_mills), 0) FROM commerce.funding_requests
      WHERE owed_mills > 0 AND ${inDay('returned_at')}
     UNION ALL
     SELECT 'adjustment', count(*), coalesce(sum((detail->>'deltaMills')::bigint), 0) FROM support.operator_actions WHERE action = 'meter_adjusted' AND ${DAY_RANGE}
     UNION ALL
     SELECT 'withdrawal', count(*), coalesce(sum((detail->>'balanceMills')::bigint), 0) FROM support.operator_actions WHERE action = 'account_closed' AND ${DAY_RANGE}`,
    [day],
  );
  const totals: LedgerTotals = {};
  for (const type of ['reset', 'return', 'adjustment', 'withdrawal']) {
    const rows = r.rows.filter((x) => x.type === type);
    totals[`${type}s`] = rows.reduce((n, x) => n + BigInt(x.n), 0n).toString();
    totals[`${type}Mills`] = rows.reduce((n, x) => n + BigInt(x.mills), 0n).toString();
  }
  return totals;
}
