import type { Q } from './query.js';

// support.mail_outbox: not ledger state (a side-effect channel, like postal.idempotency). A
// recovered installation starts with an empty outbox, so it never re-sends mail that went out
// before the failure; backups leave the table out.

export type MailState = 'pending' | 'sent' | 'failed';

export interface MailToSend {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string | null;
  readonly kind: string;
}

export interface MailRow {
  mailId: bigint;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  kind: string;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  sentAt: Date | null;
  lastError: string | null;
  state: MailState;
}

const MAIL_COLUMNS = `mail_id AS "mailId", to_address AS "to", subject, text_body AS "text", html_body AS "html", kind,
  created_at AS "createdAt", attempts, next_attempt_at AS "nextAttemptAt", sent_at AS "sentAt", last_error AS "lastError", state`;

export async function enqueueMail(q: Q, m: MailToSend): Promise<bigint> {
  const r = await q.query<{ mailId: bigint }>(
    'INSERT INTO support.mail_outbox (to_address, subject, text_body, html_body, kind) VALUES ($1, $2, $3, $4, $5) RETURNING mail_id AS "mailId"',
    [m.to, m.subject, m.text, m.html ?? null, m.kind],
  );
  return BigInt(r.rows[0]!.mailId);
}

/**
 * Claim up to `limit` due mails: each try is counted now and the row leased for `leaseMs`, so a
 * worker that dies mid-send leaves it to be retried, and SKIP LOCKED lets concurrent workers take
 * different rows. The claim commits at once: no transaction stays open across an SMTP conversation.
 */
export async function claimDueMail(q: Q, limit: number, leaseMs: number): Promise<MailRow[]> {
  const r = await q.query<MailRow>(
    `UPDATE support.mail_outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
     WHERE mail_id IN (SELECT mail_id FROM support.mail_outbox WHERE state = 'pending' AND next_attempt_at <= now()
                       ORDER BY next_attempt_at, mail_id LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING ${MAIL_COLUMNS}`,
    [limit, leaseMs],
  );
  return r.rows.map((m) => ({ ...m, mailId: BigInt(m.mailId) }));
}

/** Sent: the bodies are dropped (a verification mail carries a token that the database keeps only as a hash). */
export async function markMailSent(q: Q, mailId: bigint): Promise<void> {
  await q.query(
    "UPDATE support.mail_outbox SET state = 'sent', sent_at = now(), last_error = NULL, text_body = '', html_body = NULL WHERE mail_id = $1 AND state = 'pending'",
    [mailId],
  );
}

/** A failed try: retried at `retryInMs`, or given up (`failed`) when it was the last. */
export async function markMailFailed(q: Q, mailId: bigint, error: string, retryInMs: number | null): Promise<void> {
  await q.query(
    `UPDATE support.mail_outbox SET last_error = $2,
       state = CASE WHEN $3::double precision IS NULL THEN 'failed' ELSE 'pending' END,
       next_attempt_at = CASE WHEN $3::double precision IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $3::double precision / 1000) END
     WHERE mail_id = $1 AND state = 'pending'`,
    [mailId, error, retryInMs],
  );
}

/** The newest mails first, optionally of one state. */
export async function listMail(q: Q, state: MailState | null, limit: number): Promise<MailRow[]> {
  const r = await q.query<MailRow>(`SELECT ${MAIL_COLUMNS} FROM support.mail_outbox WHERE ($1::text IS NULL OR state = $1) ORDER BY mail_id DESC LIMIT $2`, [
    state,
    limit,
  ]);
  return r.rows.map((m) => ({ ...m, mailId: BigInt(m.mailId) }));
}
