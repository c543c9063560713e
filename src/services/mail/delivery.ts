import { MAIL_BATCH_SIZE, MAIL_CLAIM_LEASE_MS, MAX_MAIL_ERROR_LENGTH } from '../../constants.js';
import { mailRepo, type Db } from '../../store/index.js';
import { nextTryInMs, type RetryPolicy } from './backoff.js';

// One delivery pass over the outbox: claim the due rows (a short transaction of its own), send each
// through the transport, and record what happened. A send that fails is retried with backoff; the
// last allowed try marks the mail failed. Delivery is at least once: a worker that dies between
// the SMTP server's acceptance and the `sent` mark sends that mail again after its lease.

export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** The SMTP side (nodemailer in runtime/smtp-transport.ts; a fake in tests). Throws when not accepted. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
}

export interface DeliveryOptions {
  readonly from: string;
  readonly retry: RetryPolicy;
  readonly batchSize?: number;
  readonly leaseMs?: number;
}

export interface DeliveryPass {
  readonly claimed: number;
  readonly sent: number;
  readonly retrying: number;
  readonly failed: number;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, MAX_MAIL_ERROR_LENGTH);

export async function deliverDueMail(db: Db, transport: MailTransport, o: DeliveryOptions): Promise<DeliveryPass> {
  const due = await mailRepo.claimDueMail(db, o.batchSize ?? MAIL_BATCH_SIZE, o.leaseMs ?? MAIL_CLAIM_LEASE_MS);
  let sent = 0;
  let retrying = 0;
  let failed = 0;
  for (const m of due) {
    try {
      await transport.send({ from: o.from, to: m.to, subject: m.subject, text: m.text, ...(m.html ? { html: m.html } : {}) });
      await mailRepo.markMailSent(db, m.mailId);
      sent++;
    } catch (e) {
      const retryInMs = nextTryInMs(m.attempts, o.retry);
      await mailRepo.markMailFailed(db, m.mailId, errorText(e), retryInMs);
      if (retryInMs === null) failed++;
      else retrying++;
    }
  }
  return { claimed: due.length, sent, retrying, failed };
}
