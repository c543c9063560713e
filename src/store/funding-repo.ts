import type { Q } from './query.js';

// commerce.funding_requests and commerce.ach_files: ledger state, written only by the funding_* and
// ach_file_* appliers (apply-effect.ts). The package holds what counts; these say where each stands.

export type FundingStatus = 'requested' | 'filed' | 'settled' | 'returned';

export type FundingMethod = 'ach' | 'card';

export interface FundingRequestRow {
  requestId: string;
  meterId: string;
  /** Null for a card payment. */
  bankAccountId: string | null;
  method: FundingMethod;
  /** The Stripe PaymentMethod a card payment charges (pm_...). */
  paymentMethod: string | null;
  /** The Stripe PaymentIntent that charged it, once it settled or failed (pi_...). */
  paymentIntentId: string | null;
  amountMills: bigint;
  status: FundingStatus;
  requestedAt: Date;
  fileId: string | null;
  traceNumber: string | null;
  filedAt: Date | null;
  settledAt: Date | null;
  returnedAt: Date | null;
  returnCode: string | null;
  owedMills: bigint;
}

/** The request's columns, of table alias `t` (with its dot) or of the bare table. */
const columns = (
  t = '',
) => `${t}request_id AS "requestId", ${t}meter_id AS "meterId", ${t}bank_account_id AS "bankAccountId", ${t}amount_mills AS "amountMills",
  ${t}status, ${t}requested_at AS "requestedAt", ${t}file_id AS "fileId", ${t}trace_number AS "traceNumber", ${t}filed_at AS "filedAt",
  ${t}settled_at AS "settledAt", ${t}returned_at AS "returnedAt", ${t}return_code AS "returnCode", ${t}owed_mills AS "owedMills",
  ${t}method, ${t}payment_method AS "paymentMethod", ${t}payment_intent_id AS "paymentIntentId"`;
const COLUMNS = columns();

export async function listFundingRequests(q: Q, meterId: string, limit: number): Promise<FundingRequestRow[]> {
  const r = await q.query<FundingRequestRow>(
    `SELECT ${COLUMNS} FROM commerce.funding_requests WHERE meter_id = $1 ORDER BY requested_at DESC, request_id DESC LIMIT $2`,
    [meterId, limit],
  );
  return r.rows;
}

export async function findFundingRequest(q: Q, requestId: string): Promise<FundingRequestRow | null> {
  const r = await q.query<FundingRequestRow>(`SELECT ${COLUMNS} FROM commerce.funding_requests WHERE request_id = $1`, [requestId]);
  return r.rows[0] ?? null;
}

/** The card payment a Stripe dispute or refund names, by its PaymentIntent. */
export async function findFundingByPaymentIntent(q: Q, paymentIntentId: string): Promise<FundingRequestRow | null> {
  const r = await q.query<FundingRequestRow>(`SELECT ${COLUMNS} FROM commerce.funding_requests WHERE payment_intent_id = $1`, [paymentIntentId]);
  return r.rows[0] ?? null;
}

/** The requests a returns file names, by trace number. */
export async function fundingRequestsByTrace(q: Q, traces: readonly string[]): Promise<FundingRequestRow[]> {
  const r = await q.query<FundingRequestRow>(`SELECT ${COLUMNS} FROM commerce.funding_requests WHERE trace_number = ANY($1::text[])`, [traces]);
  return r.rows;
}

/** What the next NACHA file carries: requests not yet filed, oldest first, with their bank accounts. */
export interface FilingRow {
  requestId: string;
  meterId: string;
  amountMills: bigint;
  username: string;
  bankAccountId: string;
  routing: string;
  accountType: 'checking' | 'savings';
  holderName: string;
  sealed: Buffer;
}

export async function requestsToFile(q: Q, limit: number): Promise<FilingRow[]> {
  const r = await q.query<FilingRow>(
    `SELECT f.request_id AS "requestId", f.meter_id AS "meterId", f.amount_mills AS "amountMills", c.username,
            b.bank_account_id AS "bankAccountId", b.routing, b.account_type AS "accountType", b.holder_name AS "holderName", b.sealed
     FROM commerce.funding_requests f
     JOIN membership.customers c ON c.meter_id = f.meter_id
     JOIN membership.bank_accounts b ON b.bank_account_id = f.bank_account_id AND b.customer_id = c.customer_id
     JOIN postal.meters m ON m.meter_id = f.meter_id
     -- A sandbox meter's request is never filed (the module refuses to take one; this is the second lock).
     WHERE f.status = 'requested' AND f.method = 'ach' AND NOT m.sandbox ORDER BY f.requested_at, f.request_id LIMIT $1`,
    [limit],
  );
  return r.rows;
}

/**
 * Requests filed at least `holdMs` ago. The module checks its own, unforgeable hold from the
 * request; the server holds from the filing, which is later (the bank cannot clear an unsent debit).
 */
export async function requestsDueForSettlement(q: Q, holdMs: number, now: Date, limit: number): Promise<FundingRequestRow[]> {
  const r = await q.query<FundingRequestRow>(
    `SELECT ${COLUMNS} FROM commerce.funding_requests
     WHERE status = 'filed' AND filed_at <= $1 ORDER BY requested_at, request_id LIMIT $2`,
    [new Date(now.getTime() - holdMs), limit],
  );
  return r.rows;
}

/**
 * Card requests still waiting, committed between `oldest` and `newest` (exclusive, inclusive):
 * left by a server that died before it charged them, or waiting on the cardholder. Oldest first.
 * A revoked or withdrawn meter's are left out: its card is not charged (the module would not
 * settle), and they would fill every run's batch until they aged out.
 */
export async function strandedCardRequests(q: Q, newest: Date, oldest: Date, limit: number): Promise<FundingRequestRow[]> {
  const r = await q.query<FundingRequestRow>(
    `SELECT ${columns('f.')} FROM commerce.funding_requests f JOIN postal.meters m ON m.meter_id = f.meter_id
     WHERE f.status = 'requested' AND f.method = 'card' AND f.requested_at <= $1 AND f.requested_at > $2
       AND m.status NOT IN ('revoked', 'withdrawn')
     ORDER BY f.requested_at, f.request_id LIMIT $3`,
    [newest, oldest, limit],
  );
  return r.rows;
}

export interface AchFileRow {
  fileId: string;
  createdAt: Date;
  odfi: string;
  firstSequence: number;
  entryCount: number;
  totalMills: bigint;
  sha256: string | null;
  target: string | null;
  deliveredAt: Date | null;
}

const FILE_COLUMNS = `file_id AS "fileId", created_at AS "createdAt", odfi, first_sequence AS "firstSequence", entry_count AS "entryCount",
  total_mills AS "totalMills", sha256, target, delivered_at AS "deliveredAt"`;

export async function listAchFiles(q: Q, limit: number): Promise<AchFileRow[]> {
  const r = await q.query<AchFileRow>(`SELECT ${FILE_COLUMNS} FROM commerce.ach_files ORDER BY created_at DESC, file_id LIMIT $1`, [limit]);
  return r.rows;
}

/** Files created but never delivered (a crash between the two): rebuilt from their requests and sent. */
export async function undeliveredAchFiles(q: Q): Promise<AchFileRow[]> {
  const r = await q.query<AchFileRow>(`SELECT ${FILE_COLUMNS} FROM commerce.ach_files WHERE delivered_at IS NULL ORDER BY created_at, file_id`);
  return r.rows;
}

/** A file's entries in trace order, with their bank accounts, to rebuild it exactly. */
export async function fileEntries(q: Q, fileId: string): Promise<(FilingRow & { traceNumber: string; debitAuthorization: Buffer })[]> {
  const r = await q.query<FilingRow & { traceNumber: string; debitAuthorization: Buffer }>(
    `SELECT f.request_id AS "requestId", f.meter_id AS "meterId", f.amount_mills AS "amountMills", c.username, f.trace_number AS "traceNumber",
            f.debit_authorization AS "debitAuthorization",
            b.bank_account_id AS "bankAccountId", b.routing, b.account_type AS "accountType", b.holder_name AS "holderName", b.sealed
     FROM commerce.funding_requests f
     JOIN membership.customers c ON c.meter_id = f.meter_id
     JOIN membership.bank_accounts b ON b.bank_account_id = f.bank_account_id
     WHERE f.file_id = $1 ORDER BY f.trace_number`,
    [fileId],
  );
  return r.rows;
}

/** The next free trace sequence for an ODFI (sequences wrap at 9,999,999 in NACHA; see MAX note in docs/PAYMENTS.md). */
export async function nextTraceSequence(q: Q, odfi: string): Promise<number> {
  const r = await q.query<{ next: number }>('SELECT coalesce(max(first_sequence + entry_count), 1)::int AS next FROM commerce.ach_files WHERE odfi = $1', [
    odfi,
  ]);
  return r.rows[0]!.next;
}

/** Files created the same UTC day before this one: its place sets the file id modifier (A, B, ...). */
export async function achFilesBefore(q: Q, f: AchFileRow): Promise<number> {
  const r = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM commerce.ach_files
     WHERE (created_at AT TIME ZONE 'UTC')::date = ($1::timestamptz AT TIME ZONE 'UTC')::date AND (created_at, file_id) < ($1, $2)`,
    [f.createdAt, f.fileId],
  );
  return r.rows[0]!.n;
}

/** What a receipt shows: the request, its bank account, and the customer with their profile. */
export interface ReceiptRow extends FundingRequestRow {
  username: string;
  /** Null for a card payment. */
  routing: string | null;
  last4: string | null;
  accountType: 'checking' | 'savings' | null;
  name: string | null;
  company: string | null;
  address: Record<string, string> | null;
}

export async function receiptRow(q: Q, requestId: string): Promise<ReceiptRow | null> {
  const r = await q.query<ReceiptRow>(
    `SELECT ${columns('f.')}, c.username, b.routing, b.last4, b.account_type AS "accountType", p.name, p.company, p.address
     FROM commerce.funding_requests f
     JOIN membership.customers c ON c.meter_id = f.meter_id
     LEFT JOIN membership.bank_accounts b ON b.bank_account_id = f.bank_account_id
     LEFT JOIN membership.profiles p ON p.customer_id = c.customer_id
     WHERE f.request_id = $1`,
    [requestId],
  );
  return r.rows[0] ?? null;
}
