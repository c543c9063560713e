import { MAX_MAIL_PAGE } from '../../constants.js';
import { mailRepo, type Db, type MailState } from '../../store/index.js';

// The outbox as operators see it (`vaultmeter admin mail list`). Bodies only on request: a pending
// verification mail's body holds its token.

export interface MailListing {
  readonly mailId: string;
  readonly to: string;
  readonly subject: string;
  readonly kind: string;
  readonly state: MailState;
  readonly attempts: number;
  readonly createdAt: string;
  readonly nextAttemptAt: string;
  readonly sentAt: string | null;
  readonly lastError: string | null;
  readonly text?: string;
}

export async function listMail(db: Db, state: MailState | null, limit: number, withBody: boolean): Promise<MailListing[]> {
  const rows = await mailRepo.listMail(db, state, Math.min(Math.max(limit, 1), MAX_MAIL_PAGE));
  return rows.map((m) => ({
    mailId: m.mailId.toString(),
    to: m.to,
    subject: m.subject,
    kind: m.kind,
    state: m.state,
    attempts: m.attempts,
    createdAt: m.createdAt.toISOString(),
    nextAttemptAt: m.nextAttemptAt.toISOString(),
    sentAt: m.sentAt?.toISOString() ?? null,
    lastError: m.lastError,
    ...(withBody ? { text: m.text } : {}),
  }));
}
