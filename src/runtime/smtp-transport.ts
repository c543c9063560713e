import nodemailer from 'nodemailer';
import { SMTP_TIMEOUT_MS } from '../constants.js';
import type { MailTransport, OutgoingMail } from '../services/index.js';

/**
 * The outbox's transport: nodemailer to `SMTP_URL` (smtp://user:pass@host:587, or smtps:// for
 * TLS from the start). One connection per send, not a pool: mail is rare, and a pool would hold a
 * socket to a server that went away. Every stage is bounded by SMTP_TIMEOUT_MS, so a server that
 * hangs costs one try, not a stuck worker.
 */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(mail: OutgoingMail): Promise<void> {
      const info = await transporter.sendMail(mail);
      // The server took the message but refused every recipient: not delivered.
      if (info.accepted.length === 0) throw new Error(`the SMTP server refused ${mail.to}: ${info.response}`);
    },
  };
}

/** What an SMTP URL may show in a log line: the host, never the credentials. */
export function smtpHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(an SMTP_URL that does not parse)';
  }
}
