import type { Command } from 'commander';
import { ProfileError } from '../../sdk/index.js';
import { emit } from '../output.js';
import { action } from '../run.js';
import { type AdminOpts, withAdmin, get } from './admin-options.js';

interface MailRow {
  mailId: string;
  to: string;
  subject: string;
  kind: string;
  state: string;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  lastError: string | null;
  text?: string;
}

const STATES = ['pending', 'sent', 'failed'];

function line(m: MailRow): string {
  const head = `#${m.mailId} ${m.createdAt} ${m.state.padEnd(7)} ${m.kind} to ${m.to}: ${m.subject} (${m.attempts} tries)`;
  const tail = m.lastError && m.state !== 'sent' ? `\n    last error: ${m.lastError}` : '';
  return `${head}${tail}${m.text ? `\n${m.text.replace(/^/gm, '    ')}` : ''}`;
}

/** `vaultmeter admin mail list`: the outbox (with no SMTP_URL, every mail stays here, pending). */
export function adminMail(admin: Command): void {
  const mail = admin.command('mail').description('the mail outbox');
  withAdmin(mail.command('list').description('list mail, newest first: pending (no SMTP_URL, or retrying), sent or failed'))
    .option('--state <state>', 'only pending, sent or failed mail')
    .option('--limit <n>', 'at most this many', '50')
    .option('--body', 'show the text of mail not yet sent (a verification mail holds its token)')
    .action(
      action(async (o: AdminOpts & { state?: string; limit: string; body?: boolean }) => {
        if (o.state !== undefined && !STATES.includes(o.state)) throw new ProfileError('invalid_request', '--state must be pending, sent or failed');
        if (!/^\d{1,4}$/.test(o.limit)) throw new ProfileError('invalid_request', '--limit must be a number');
        const query = new URLSearchParams({ limit: o.limit, ...(o.state ? { state: o.state } : {}), ...(o.body ? { body: 'true' } : {}) });
        const r = await get<{ mail: MailRow[] }>(o, `/v1/admin/mail?${query}`);
        emit(o.json === true, r, () => r.mail.map(line).join('\n') || 'no mail');
      }),
    );
}
