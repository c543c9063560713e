import { DEFAULT_MAIL_FROM, MAIL_MAX_ATTEMPTS, MAIL_POLL_MS, MAIL_RETRY_BASE_MS, MAIL_RETRY_MAX_MS } from '../constants.js';
import { deliverDueMail, type MailTransport, type RetryPolicy } from '../services/index.js';
import { type Db } from '../store/index.js';
import { intFromEnv } from './env.js';
import { smtpHost, smtpTransport } from './smtp-transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MailSettings {
  readonly url: string;
  readonly from: string;
  readonly retry: RetryPolicy;
}

/** SMTP_URL, MAIL_FROM and the retry pace (VAULTMETER_MAIL_RETRY_BASE_MS, for tests), or null: no SMTP, mail stays pending. */
export function mailSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): MailSettings | null {
  const url = env.SMTP_URL?.trim();
  if (!url) return null;
  if (!/^smtps?:\/\//.test(url)) throw new Error('SMTP_URL must start with smtp:// or smtps://');
  const baseMs = intFromEnv('VAULTMETER_MAIL_RETRY_BASE_MS', MAIL_RETRY_BASE_MS, 10, MAIL_RETRY_MAX_MS);
  return { url, from: env.MAIL_FROM?.trim() || DEFAULT_MAIL_FROM, retry: { maxAttempts: MAIL_MAX_ATTEMPTS, baseMs, maxMs: MAIL_RETRY_MAX_MS } };
}

export interface MailWorkerDeps {
  readonly db: Db;
  readonly settings: MailSettings;
  readonly log: (line: string) => void;
  /** Deliver only while this holds (the shipper's election): one sender per installation. */
  readonly active: () => boolean;
  readonly stopping: () => boolean;
  readonly transport?: MailTransport;
}

/**
 * The outbox delivery loop, in the elected shipper. It never throws: a database or SMTP failure is
 * logged and the loop goes on (each mail's own retries are in the outbox rows).
 */
export async function runMailWorker(d: MailWorkerDeps): Promise<void> {
  const transport = d.transport ?? smtpTransport(d.settings.url);
  d.log(`mail: delivering the outbox to ${smtpHost(d.settings.url)} as ${d.settings.from}`);
  let failures = 0;
  while (!d.stopping()) {
    let busy = false;
    if (d.active()) {
      try {
        const r = await deliverDueMail(d.db, transport, { from: d.settings.from, retry: d.settings.retry });
        if (r.claimed > 0) d.log(`mail: ${r.sent} sent, ${r.retrying} to retry, ${r.failed} failed`);
        busy = r.claimed > 0;
        failures = 0;
      } catch (e) {
        failures++;
        d.log(`mail: a delivery pass failed (${failures} in a row): ${(e as Error).message}`);
      }
    }
    // A full pass may leave more due mail: look again at once; otherwise poll (longer after failures).
    if (!busy) await sleep(Math.min(MAIL_POLL_MS * 2 ** Math.min(failures, 5), 30_000));
  }
}
