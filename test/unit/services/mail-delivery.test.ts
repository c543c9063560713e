import { describe, expect, it } from 'vitest';
import { deliverDueMail, type MailTransport, type OutgoingMail } from '../../../src/services/index.js';
import type { Db, MailRow } from '../../../src/store/index.js';

const policy = { maxAttempts: 3, baseMs: 1000, maxMs: 8000 };

function row(mailId: bigint, attempts: number, to = `u${mailId}@example.com`): MailRow {
  const now = new Date();
  return {
    mailId,
    to,
    subject: 's',
    text: 't',
    html: null,
    kind: 'low_balance',
    createdAt: now,
    attempts,
    nextAttemptAt: now,
    sentAt: null,
    lastError: null,
    state: 'pending',
  };
}

/** A database that answers the claim with `due` and records every other statement. */
function fakeDb(due: MailRow[]) {
  const calls: { sql: string; params: unknown[] }[] = [];
  const db = {
    query: async (sql: string, params: unknown[] = []) => {
      calls.push({ sql, params });
      return sql.includes('FOR UPDATE SKIP LOCKED') ? { rows: due, rowCount: due.length } : { rows: [], rowCount: 1 };
    },
  };
  return { db: db as unknown as Db, calls };
}

describe('a mail delivery pass', () => {
  it('claims a bounded batch, marks sent what the server took, and schedules or fails the rest', async () => {
    const { db, calls } = fakeDb([row(1n, 1), row(2n, 2, 'down@example.com'), row(3n, 3, 'down@example.com')]);
    const sent: OutgoingMail[] = [];
    const transport: MailTransport = {
      send: async (m) => {
        if (m.to === 'down@example.com') throw new Error('connect ECONNREFUSED 127.0.0.1:2525');
        sent.push(m);
      },
    };
    const r = await deliverDueMail(db, transport, { from: 'V <v@example.com>', retry: policy, batchSize: 7 });
    expect(r).toEqual({ claimed: 3, sent: 1, retrying: 1, failed: 1 });
    expect(sent).toEqual([{ from: 'V <v@example.com>', to: 'u1@example.com', subject: 's', text: 't' }]);
    expect(calls[0]!.params[0]).toBe(7);
    const marks = calls.slice(1);
    expect(marks[0]!.sql).toContain("state = 'sent'");
    // The second try failed: the third waits 2 × base. The third try was the last: failed (no retry).
    expect(marks[1]!.params).toEqual([2n, 'connect ECONNREFUSED 127.0.0.1:2525', 2000]);
    expect(marks[2]!.params).toEqual([3n, 'connect ECONNREFUSED 127.0.0.1:2525', null]);
  });

  it('keeps a bounded error text', async () => {
    const { db, calls } = fakeDb([row(1n, 1)]);
    await deliverDueMail(db, { send: async () => Promise.reject(new Error('x'.repeat(5000))) }, { from: 'f', retry: policy });
    expect((calls[1]!.params[1] as string).length).toBeLessThanOrEqual(500);
  });
});
