import type { EffectKind, EffectOf, EffectPlace, LedgerEffect } from '../ledger/index.js';
import type { BatchWriter, Statement } from './batch-writer.js';

// The one place a ledger effect becomes rows. The live commit and replay (roll-forward and
// `recover`) both call applyEffect, so what each kind of change means is written exactly once.

type Applier<K extends EffectKind> = (w: BatchWriter, e: EffectOf<K>, at: Date) => void;

/** Audit-trail kinds that ledger effects write (the rest of support.audit_events is operations journal). */
export const LEDGER_AUDIT_KINDS = [
  'meter_revoked',
  'meter_unlocked',
  'officer_created',
  'officer_removed',
  'license_issued',
  'license_status_changed',
  'provider_reports_filed',
  'approval_requested',
  'approval_granted',
  'recovery_logged',
  'password_reset',
  'meter_adjusted',
  'account_closed',
  'account_refund_paid',
] as const;

function audit(
  w: BatchWriter,
  kind: (typeof LEDGER_AUDIT_KINDS)[number],
  at: Date,
  a: { module?: string | null; meterId?: string | null; actor: string | null; detail: object },
): void {
  w.statements.push({
    sql: 'INSERT INTO support.audit_events (kind, module_serial, meter_id, actor, detail, at) VALUES ($1, $2, $3, $4, $5, $6)',
    params: [kind, a.module ?? null, a.meterId ?? null, a.actor, JSON.stringify(a.detail), at],
  });
}

function operatorAction(w: BatchWriter, officer: string, action: string, meterId: string | null, detail: object, at: Date): void {
  w.statements.push({
    sql: 'INSERT INTO support.operator_actions (officer, action, meter_id, detail, at) VALUES ($1, $2, $3, $4, $5)',
    params: [officer, action, meterId, JSON.stringify(detail), at],
  });
}

/** A write that must touch exactly `rows` rows live (else a concurrent change won: conflict). */
function once(w: BatchWriter, s: Statement & { what: string }, rows = 1): void {
  w.statements.push({ ...s, expectRows: rows });
}

function meterStatus(w: BatchWriter, meterId: string, status: string, reason: string, at: Date): void {
  w.statements.push({
    sql: 'UPDATE postal.meters SET status = $2, status_at = $4, status_reason = $3 WHERE meter_id = $1',
    params: [meterId, status, reason, at],
  });
}

/** A customer care act in the operator journal and the audit trail: who asked, who approved, and why. */
function careActed(
  w: BatchWriter,
  kind: 'password_reset' | 'meter_adjusted' | 'account_closed',
  e: { meterId: string; reason: string; officers: readonly string[] },
  detail: object,
  at: Date,
): void {
  const full = { reason: e.reason, officers: e.officers, ...detail };
  operatorAction(w, e.officers[1] ?? '', kind, e.meterId, full, at);
  audit(w, kind, at, { meterId: e.meterId, actor: e.officers[1] ?? null, detail: full });
}

const nothingOutsideThePackage = (): void => {};

/** A member's row moves on as its slot in the package did (see membership.account_members). */
function memberStatus(
  w: BatchWriter,
  e: { meterId: string; member: string },
  status: string,
  column: 'joined_at' | 'removed_at',
  at: Date,
  from: string,
): void {
  once(w, {
    sql: `UPDATE membership.account_members SET status = $3, ${column} = $4 WHERE meter_id = $1 AND member = $2 AND ${from}`,
    params: [e.meterId, e.member, status, at],
    what: 'the member changed concurrently',
  });
}

export const APPLIERS: { readonly [K in EffectKind]: Applier<K> } = {
  meter_provisioned: (w, e, at) => {
    w.meters.push({
      meterId: e.meterId,
      certSerial: e.certSerialHex,
      certificatePem: e.certificatePem,
      pkg: Buffer.from(e.sealed, 'base64'),
      version: BigInt(e.version),
      licensingZip: e.licensingZip,
      at,
    });
  },
  package_stored: (w, e, at) => {
    w.packages.push({ meterId: e.meterId, fromVersion: BigInt(e.fromVersion), toVersion: BigInt(e.toVersion), pkg: Buffer.from(e.sealed, 'base64'), at });
  },
  customer_claimed: (w, e, at) => {
    once(w, {
      sql: 'INSERT INTO membership.customers (username, meter_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      params: [e.username, e.meterId, at],
      what: 'that user name or meter was claimed concurrently',
    });
    w.statements.push({ sql: 'UPDATE postal.meters SET assigned = true WHERE meter_id = $1', params: [e.meterId] });
  },
  customer_registered: (w, e, at) => {
    once(w, {
      sql: 'UPDATE membership.customers SET registered_at = $2 WHERE meter_id = $1 AND registered_at IS NULL',
      params: [e.meterId, at],
      what: 'the registration was completed concurrently',
    });
  },
  meter_sandboxed: (w, e) => {
    once(w, { sql: 'UPDATE postal.meters SET sandbox = true WHERE meter_id = $1', params: [e.meterId], what: 'the sandbox meter does not exist' });
  },
  test_funded: (w, e, at) => {
    w.statements.push({
      sql: 'INSERT INTO postal.test_fundings (meter_id, amount_mills, at) VALUES ($1, $2, $3)',
      params: [e.meterId, e.amountMills, at],
    });
  },
  meter_funded: (w, e, at) => operatorAction(w, e.officer, 'fund', e.meterId, { amountMills: e.amountMills }, at),
  funding_requested: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO commerce.funding_requests (request_id, meter_id, bank_account_id, amount_mills, requested_at, debit_authorization, method, payment_method)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      params: [
        e.requestId,
        e.meterId,
        e.bankAccountId,
        e.amountMills,
        at,
        e.method === 'card' ? null : Buffer.from(e.debitAuthorization, 'base64'),
        e.method ?? 'ach',
        e.paymentMethod ?? null,
      ],
      what: 'that funding request exists already',
    });
  },
  // The file's entries are its requests in list order; each takes the next trace number.
  ach_file_created: (w, e) => {
    const createdAt = new Date(e.createdAt);
    w.statements.push({
      sql: `INSERT INTO commerce.ach_files (file_id, created_at, odfi, first_sequence, entry_count, total_mills)
            SELECT $1, $2, $3, $4, count(*), sum(amount_mills) FROM commerce.funding_requests WHERE request_id = ANY($5::text[])
            ON CONFLICT DO NOTHING`,
      params: [e.fileId, createdAt, e.odfi, e.firstSequence, e.requestIds],
    });
    once(
      w,
      {
        sql: `UPDATE commerce.funding_requests f SET status = 'filed', file_id = $1, filed_at = $2,
              trace_number = $3 || lpad(($4 + t.ord - 1)::text, 7, '0')
            FROM unnest($5::text[]) WITH ORDINALITY AS t(id, ord) WHERE f.request_id = t.id AND f.status = 'requested'`,
        params: [e.fileId, createdAt, e.odfi, e.firstSequence, e.requestIds],
        what: 'a funding request of the file was filed or returned concurrently',
      },
      e.requestIds.length,
    );
  },
  ach_file_delivered: (w, e, at) => {
    w.statements.push({
      sql: 'UPDATE commerce.ach_files SET sha256 = $2, target = $3, delivered_at = $4 WHERE file_id = $1',
      params: [e.fileId, e.sha256, e.target, at],
    });
  },
  funding_settled: (w, e, at) => {
    once(w, {
      // An ACH debit settles once filed; a card payment as soon as it is confirmed.
      sql: `UPDATE commerce.funding_requests SET status = 'settled', settled_at = $2, payment_intent_id = coalesce($3, payment_intent_id)
            WHERE request_id = $1 AND (status = 'filed' OR (status = 'requested' AND method = 'card'))`,
      params: [e.requestId, at, e.paymentIntentId ?? null],
      what: 'the funding request was settled or returned concurrently',
    });
  },
  funding_returned: (w, e, at) => {
    once(w, {
      sql: `UPDATE commerce.funding_requests SET status = 'returned', returned_at = $2, return_code = $3, owed_mills = $4,
              payment_intent_id = coalesce($5, payment_intent_id)
            WHERE request_id = $1 AND status <> 'returned'`,
      params: [e.requestId, at, e.returnCode, e.outcome === 'owed' ? e.amountMills : '0', e.paymentIntentId ?? null],
      what: 'the funding request was returned concurrently',
    });
    // The suspension is the package's (state `suspended`, refused by the module): postal.meters'
    // `suspended` status means a break in register continuity, which this is not.
  },
  meter_audited: (w, e, at) => operatorAction(w, e.officer, 'audit', e.meterId, {}, at),
  item_printed: (w, e, at) => {
    w.items.push({
      itemId: e.itemId,
      meterId: e.meterId,
      itemSerial: BigInt(e.itemSerial),
      kind: e.itemKind,
      amountMills: BigInt(e.amountMills),
      itemBytes: Buffer.from(e.itemBase64, 'base64'),
      at,
    });
  },
  item_refunded: (w, e, at) => {
    once(w, {
      sql: 'UPDATE postal.items SET refunded_at = $2 WHERE item_id = $1 AND refunded_at IS NULL',
      params: [e.itemId, at],
      what: 'the item was refunded concurrently',
    });
  },
  meter_withdrawn: (w, e, at) => meterStatus(w, e.meterId, 'withdrawn', 'withdrawn by the customer', at),
  password_changed: nothingOutsideThePackage,
  meter_locked: nothingOutsideThePackage,
  meter_unlocked: (w, e, at) => {
    operatorAction(w, e.officer, 'unlock', e.meterId, {}, at);
    audit(w, 'meter_unlocked', at, { meterId: e.meterId, actor: e.officer, detail: {} });
  },
  meter_revoked: (w, e, at) => {
    meterStatus(w, e.meterId, 'revoked', e.reason, at);
    operatorAction(w, e.officer, 'revoke', e.meterId, { reason: e.reason }, at);
    audit(w, 'meter_revoked', at, { meterId: e.meterId, actor: e.officer, detail: { reason: e.reason } });
  },
  password_reset: (w, e, at) => {
    w.statements.push({
      sql: `INSERT INTO membership.password_resets (meter_id, reset_nonce, sealed_password, reason, officers, reset_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (meter_id) DO UPDATE SET reset_nonce = $2, sealed_password = $3, reason = $4, officers = $5, reset_at = $6`,
      params: [e.meterId, Buffer.from(e.resetNonce, 'hex'), Buffer.from(e.sealedPassword, 'base64'), e.reason, e.officers, at],
    });
    careActed(w, 'password_reset', e, {}, at);
  },
  meter_adjusted: (w, e, at) => careActed(w, 'meter_adjusted', e, { deltaMills: e.deltaMills }, at),
  account_closed: (w, e, at) => {
    meterStatus(w, e.meterId, 'withdrawn', `account closed by customer care: ${e.reason}`, at);
    once(w, {
      sql: `INSERT INTO commerce.account_refunds (meter_id, refund_mills, owed_mills, reason, officers, closed_at, state) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT DO NOTHING`,
      params: [e.meterId, BigInt(e.refundMills), BigInt(e.owedMills), e.reason, e.officers, at, BigInt(e.refundMills) > 0n ? 'payable' : 'none'],
      what: 'the account was closed concurrently',
    });
    careActed(w, 'account_closed', e, { balanceMills: e.balanceMills, refundMills: e.refundMills, owedMills: e.owedMills }, at);
  },
  account_refund_paid: (w, e, at) => {
    once(w, {
      sql: "UPDATE commerce.account_refunds SET state = 'paid', paid_at = $2 WHERE meter_id = $1 AND state = 'payable'",
      params: [e.meterId, at],
      what: 'the refund is not payable (paid already, or nothing was owed)',
    });
    operatorAction(w, e.by, 'account_refund_paid', e.meterId, { reference: e.reference }, at);
    audit(w, 'account_refund_paid', at, { meterId: e.meterId, actor: e.by, detail: { reference: e.reference } });
  },
  plan_selected: (w, e, at) => {
    w.statements.push({
      sql: `INSERT INTO commerce.customer_plans (meter_id, plan, selected_at) VALUES ($1, $2, $3)
            ON CONFLICT (meter_id) DO UPDATE SET plan = $2, selected_at = $3`,
      params: [e.meterId, e.plan, at],
    });
  },
  invoice_issued: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO commerce.invoices (invoice_id, meter_id, month, plan, lines, total_mills, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT DO NOTHING`,
      params: [e.invoiceId, e.meterId, e.month, e.plan, JSON.stringify(e.lines), BigInt(e.totalMills), at],
      what: 'that month is invoiced already',
    });
  },
  officer_created: (w, e, at) => {
    once(w, {
      sql: 'INSERT INTO membership.officers (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      params: [e.username, e.passwordHash, e.role, at],
      what: 'that officer exists already',
    });
    audit(w, 'officer_created', at, { actor: e.by, detail: { user: e.username, role: e.role } });
  },
  officer_removed: (w, e, at) => {
    once(w, {
      sql: 'UPDATE membership.officers SET removed_at = $2 WHERE username = $1 AND removed_at IS NULL',
      params: [e.username, at],
      what: 'that officer was removed already',
    });
    audit(w, 'officer_removed', at, { actor: e.by, detail: { user: e.username } });
  },
  approval_requested: (w, e, at) => {
    once(w, {
      sql: 'INSERT INTO support.approvals (approval_id, action, params, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      params: [e.approvalId, e.action, JSON.stringify(e.params), e.by, at],
      what: 'that approval request exists already',
    });
    // Replay inserts the ids the live system drew: the sequence must not hand them out again. It
    // draws ids up to the replayed one (nextval only moves forward; the app role has no setval).
    if (!w.live)
      w.statements.push({
        sql: `SELECT count(nextval('support.approvals_approval_id_seq')) FROM generate_series(1,
                (SELECT $1::bigint - last_value + CASE WHEN is_called THEN 0 ELSE 1 END FROM support.approvals_approval_id_seq))`,
        params: [e.approvalId],
      });
    audit(w, 'approval_requested', at, { module: e.params.module ?? null, actor: e.by, detail: { approvalId: e.approvalId, action: e.action } });
  },
  approval_granted: (w, e, at) => {
    once(w, {
      sql: "UPDATE support.approvals SET decided_by = $2, decided_at = $3, state = 'approved' WHERE approval_id = $1 AND state = 'pending'",
      params: [e.approvalId, e.by, at],
      what: 'the approval request was decided concurrently',
    });
    audit(w, 'approval_granted', at, { module: e.module, actor: e.by, detail: { approvalId: e.approvalId, action: e.action, requestedBy: e.requestedBy } });
  },
  item_redeemed: (w, e, at) => {
    once(w, {
      sql: 'INSERT INTO postal.redemptions (item_id, meter_id, location, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      params: [e.itemId, e.meterId, e.location, at],
      what: 'the item was redeemed concurrently',
    });
  },
  item_scanned: (w, e, at) => {
    w.statements.push({
      sql: 'INSERT INTO postal.verifications (item_id, meter_id, location, valid, at) VALUES ($1, $2, $3, $4, $5)',
      params: [e.itemId, e.meterId, e.location, e.valid, at],
    });
  },
  // The profile hangs off the customer's surrogate id, which replay may draw differently: the
  // effect names the customer by user name. A changed address loses its verification.
  profile_updated: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO membership.profiles AS p (customer_id, name, company, address, email, email_verified_at, updated_at)
            SELECT customer_id, $2, $3, $4, $5, NULL, $6 FROM membership.customers WHERE username = $1
            ON CONFLICT (customer_id) DO UPDATE SET name = EXCLUDED.name, company = EXCLUDED.company, address = EXCLUDED.address,
              email = EXCLUDED.email, updated_at = EXCLUDED.updated_at,
              email_verified_at = CASE WHEN p.email IS NOT DISTINCT FROM EXCLUDED.email THEN p.email_verified_at END`,
      params: [e.username, e.name, e.company, JSON.stringify(e.address), e.email, at],
      what: 'the customer of that profile does not exist',
    });
  },
  email_verified: (w, e, at) => {
    once(w, {
      sql: `UPDATE membership.profiles SET email_verified_at = $3
            WHERE customer_id = (SELECT customer_id FROM membership.customers WHERE username = $1) AND email = $2 AND email_verified_at IS NULL`,
      params: [e.username, e.email, at],
      what: 'the e-mail address changed or was verified concurrently',
    });
  },
  // By user name, like the profile. The row is never deleted: a removal only stamps removed_at.
  bank_account_added: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO membership.bank_accounts (bank_account_id, customer_id, routing, account_type, holder_name, last4, sealed, created_at)
            SELECT $2, customer_id, $3, $4, $5, $6, $7, $8 FROM membership.customers WHERE username = $1
            ON CONFLICT (bank_account_id) DO NOTHING`,
      params: [e.username, e.bankAccountId, e.routing, e.accountType, e.holderName, e.last4, Buffer.from(e.sealed, 'base64'), at],
      what: 'the customer of that bank account does not exist, or the account id is taken',
    });
  },
  bank_account_removed: (w, e, at) => {
    once(w, {
      sql: `UPDATE membership.bank_accounts SET removed_at = $3
            WHERE bank_account_id = $2 AND customer_id = (SELECT customer_id FROM membership.customers WHERE username = $1) AND removed_at IS NULL`,
      params: [e.username, e.bankAccountId, at],
      what: 'the bank account was removed concurrently',
    });
  },
  // The key's hash only; the key's text never reaches the server.
  api_key_created: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO membership.api_keys (key_id, meter_id, key_sha256, scopes, created_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key_id) DO NOTHING`,
      params: [e.keyId, e.meterId, Buffer.from(e.keyHashHex, 'hex'), e.scopes, at, e.expiresAt === null ? null : new Date(e.expiresAt)],
      what: 'that API key id is taken',
    });
  },
  api_key_revoked: (w, e, at) => {
    once(w, {
      sql: 'UPDATE membership.api_keys SET revoked_at = $3 WHERE key_id = $2 AND meter_id = $1 AND revoked_at IS NULL',
      params: [e.meterId, e.keyId, at],
      what: 'the API key was revoked concurrently',
    });
  },
  license_issued: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO provider.meter_licenses (license_number, meter_id, licensing_zip, tax_id_sealed, tax_id_last4, status, issued_by, issued_at, status_at)
            VALUES ($1, $2, $3, $4, $5, 'issued', $6, $7, $7) ON CONFLICT (license_number) DO NOTHING`,
      params: [e.licenseNumber, e.meterId, e.licensingZip, Buffer.from(e.taxIdSealed, 'base64'), e.taxIdLast4, e.officer, at],
      what: 'that license number is taken',
    });
    audit(w, 'license_issued', at, { meterId: e.meterId, actor: e.officer, detail: { licenseNumber: e.licenseNumber, licensingZip: e.licensingZip } });
  },
  license_status_changed: (w, e, at) => {
    once(w, {
      sql: `UPDATE provider.meter_licenses SET status = $2, status_reason = $3, status_at = $4 WHERE license_number = $1 AND status <> 'revoked'`,
      params: [e.licenseNumber, e.status, e.reason, at],
      what: 'the license changed concurrently',
    });
    audit(w, 'license_status_changed', at, {
      meterId: e.meterId,
      actor: e.officer,
      detail: { licenseNumber: e.licenseNumber, status: e.status, reason: e.reason },
    });
  },
  meter_moved: (w, e, at) => {
    w.statements.push(
      {
        sql: 'INSERT INTO provider.meter_movements (meter_id, moved_at, from_zip, to_zip) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        params: [e.meterId, at, e.fromZip, e.toZip],
      },
      { sql: "UPDATE provider.meter_licenses SET licensing_zip = $2 WHERE meter_id = $1 AND status <> 'revoked'", params: [e.meterId, e.toZip] },
    );
  },
  provider_reports_filed: (w, e, at) => {
    for (const r of e.reports) {
      once(w, {
        sql: `INSERT INTO provider.reports (day, kind, issue, object_key, sha256, lines, signer, target, reason, officer, filed_at)
              VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
        params: [e.day, r.kind, e.issue, r.objectKey, r.sha256, r.lines, e.signer, e.target, e.reason, e.officer, at],
        what: `the ${r.kind} report of ${e.day} issue ${e.issue} was filed concurrently`,
      });
    }
    audit(w, 'provider_reports_filed', at, { actor: e.officer, detail: { day: e.day, issue: e.issue, signer: e.signer, reason: e.reason } });
  },
  member_invited: (w, e, at) => {
    once(w, {
      sql: `INSERT INTO membership.account_members (meter_id, member, role, status, email, invited_at, expires_at)
            VALUES ($1, $2, $3, 'invited', $4, $5, $6)
            ON CONFLICT (meter_id, member) DO UPDATE
              SET role = EXCLUDED.role, status = 'invited', email = EXCLUDED.email, invited_at = EXCLUDED.invited_at,
                  expires_at = EXCLUDED.expires_at, joined_at = NULL, removed_at = NULL
              WHERE account_members.status = 'removed'`,
      params: [e.meterId, e.member, e.role, e.email, at, new Date(e.expiresAt)],
      what: 'that member name is in use on this account',
    });
  },
  member_joined: (w, e, at) => memberStatus(w, e, 'active', 'joined_at', at, "status = 'invited'"),
  member_removed: (w, e, at) => memberStatus(w, e, 'removed', 'removed_at', at, "status <> 'removed'"),
  member_locked: (w, e) => {
    once(w, {
      sql: "UPDATE membership.account_members SET status = 'locked' WHERE meter_id = $1 AND member = $2 AND status = 'active'",
      params: [e.meterId, e.member],
      what: 'the member changed concurrently',
    });
  },
  recovery_logged: (w, e, at) => audit(w, 'recovery_logged', at, { module: e.module, actor: null, detail: { discarded: e.discarded } }),
};

/** Write one effect into the batch, at the time of the log record that carries it. */
export function applyEffect(w: BatchWriter, e: LedgerEffect, place: EffectPlace): void {
  (APPLIERS[e.kind] as Applier<EffectKind>)(w, e as never, new Date(place.atMs));
}
