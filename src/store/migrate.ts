import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';

const MIGRATIONS_DIR = new URL('../../src/store/migrations/', import.meta.url);
export const APP_ROLE = 'vaultmeter_app';

/** Apply pending versioned migrations in order, each in its own transaction, under an advisory lock. */
export async function migrate(ownerUrl: string, log: (line: string) => void = () => {}): Promise<number> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7262001)');
    await client.query('CREATE TABLE IF NOT EXISTS public.vaultmeter_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM public.vaultmeter_migrations')).rows.map((r) => r.version));
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
    let applied = 0;
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO public.vaultmeter_migrations (version) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(e as Error).message}`, { cause: e });
      }
      log(`applied migration ${file}`);
      applied++;
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(7262001)').catch(() => {});
    await client.end();
  }
}

/** The schemas Vaultmeter creates (001_core.sql). The application role is granted only what docs/DATABASE-ROLES.md lists. */
const SCHEMAS = 'postal, membership, provider, commerce, support, staging';

/**
 * The application's role and its grants, exactly as docs/DATABASE-ROLES.md lists them (a test holds
 * the two together). Everything is revoked first, in the same transaction, so an upgrade also drops
 * grants an older version gave. UPDATE is granted per column: only the columns the API server writes.
 */
export async function ensureAppRole(ownerUrl: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    const lit = client.escapeLiteral(password);
    await client.query(exists.rowCount ? `ALTER ROLE ${APP_ROLE} LOGIN PASSWORD ${lit}` : `CREATE ROLE ${APP_ROLE} LOGIN PASSWORD ${lit}`);
    const a = APP_ROLE;
    await client.query(`
      REVOKE ALL ON ALL TABLES IN SCHEMA ${SCHEMAS} FROM ${a};
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${SCHEMAS} FROM ${a};
      REVOKE ALL ON SCHEMA ${SCHEMAS} FROM ${a};
      GRANT USAGE ON SCHEMA postal, membership, support TO ${a};

      GRANT SELECT, INSERT ON postal.meters, postal.modules, postal.items TO ${a};
      GRANT UPDATE (package, package_version, updated_at, assigned, status, status_at, status_reason, proven_version, sandbox) ON postal.meters TO ${a};
      GRANT SELECT, INSERT ON postal.test_fundings TO ${a};
      GRANT USAGE ON SEQUENCE postal.test_fundings_test_funding_id_seq TO ${a};
      GRANT UPDATE (last_seen_at, checkpoint, checkpoint_mac, checkpoint_seq, checkpoint_at, checkpoint_type, checkpoint_value_mills,
                    state, inhibited_at, inhibited_reason) ON postal.modules TO ${a};
      GRANT UPDATE (refunded_at) ON postal.items TO ${a};
      GRANT SELECT ON postal.system_state TO ${a};
      GRANT UPDATE (halted, halted_at, halt_reason) ON postal.system_state TO ${a};
      GRANT SELECT, INSERT ON postal.idempotency, postal.verifications, postal.redemptions, postal.rate_bundles TO ${a};
      GRANT USAGE ON SEQUENCE postal.verifications_verification_id_seq TO ${a};
      GRANT SELECT, INSERT ON postal.txlog, postal.txlog_segments, postal.txlog_shipped, postal.txlog_continuity TO ${a};
      GRANT UPDATE (last_seq, shipped_at) ON postal.txlog_shipped TO ${a};
      GRANT UPDATE (log_id, seq, version_after, ar_mills, dr_mills) ON postal.txlog_continuity TO ${a};

      GRANT SELECT, INSERT ON membership.customers, membership.officers TO ${a};
      GRANT UPDATE (registered_at) ON membership.customers TO ${a};
      GRANT SELECT, INSERT, DELETE ON membership.sessions TO ${a};
      GRANT USAGE ON SEQUENCE membership.customers_customer_id_seq, membership.officers_officer_id_seq TO ${a};
      GRANT SELECT, INSERT ON membership.profiles, membership.email_tokens TO ${a};
      GRANT UPDATE (name, company, address, email, email_verified_at, updated_at) ON membership.profiles TO ${a};
      GRANT UPDATE (used_at) ON membership.email_tokens TO ${a};
      GRANT SELECT, INSERT ON membership.bank_accounts TO ${a};
      GRANT UPDATE (removed_at) ON membership.bank_accounts TO ${a};
      GRANT SELECT, INSERT ON membership.api_keys TO ${a};
      GRANT UPDATE (revoked_at, last_used_at) ON membership.api_keys TO ${a};
      GRANT SELECT, INSERT ON membership.account_members TO ${a};
      GRANT UPDATE (removed_at) ON membership.officers TO ${a};
      GRANT UPDATE (role, status, email, invited_at, expires_at, joined_at, removed_at) ON membership.account_members TO ${a};
      GRANT SELECT, INSERT ON membership.password_resets TO ${a};
      GRANT UPDATE (reset_nonce, sealed_password, reason, officers, reset_at) ON membership.password_resets TO ${a};

      GRANT SELECT, INSERT ON support.operator_actions, support.audit_events, support.approvals, support.backups TO ${a};
      GRANT UPDATE (decided_by, decided_at, state) ON support.approvals TO ${a};
      GRANT USAGE ON SEQUENCE support.operator_actions_action_id_seq, support.audit_events_event_id_seq TO ${a};
      -- SELECT: roll-forward reads last_value to draw approval ids up to the ones it replays (never setval).
      GRANT USAGE, SELECT ON SEQUENCE support.approvals_approval_id_seq TO ${a};
      GRANT SELECT, INSERT ON support.mail_outbox TO ${a};
      GRANT UPDATE (attempts, next_attempt_at, sent_at, last_error, state, text_body, html_body) ON support.mail_outbox TO ${a};
      GRANT USAGE ON SEQUENCE support.mail_outbox_mail_id_seq TO ${a};

      GRANT USAGE ON SCHEMA commerce TO ${a};
      GRANT SELECT, INSERT ON commerce.funding_requests, commerce.ach_files TO ${a};
      GRANT UPDATE (status, file_id, trace_number, filed_at, settled_at, returned_at, return_code, owed_mills, payment_intent_id) ON commerce.funding_requests TO ${a};
      GRANT UPDATE (sha256, target, delivered_at) ON commerce.ach_files TO ${a};
      GRANT SELECT, INSERT ON commerce.account_refunds TO ${a};
      GRANT UPDATE (state, paid_at) ON commerce.account_refunds TO ${a};
      GRANT SELECT, INSERT ON commerce.customer_plans, commerce.invoices TO ${a};
      GRANT UPDATE (plan, selected_at) ON commerce.customer_plans TO ${a};

      GRANT USAGE ON SCHEMA provider TO ${a};
      GRANT SELECT, INSERT ON provider.meter_licenses, provider.meter_movements TO ${a};
      GRANT UPDATE (licensing_zip, status, status_reason, status_at) ON provider.meter_licenses TO ${a};
      GRANT SELECT, INSERT ON provider.reports TO ${a};
    `);
  } finally {
    await client.end();
  }
}

export const DSS_ROLE = 'vaultmeter_dss';

/**
 * The decision-support role (docs/DSS.md): reads the stripped copies in `staging` and nothing else;
 * no grant on a vault schema. Everything is revoked first, as for the application role. Its
 * password is the installation's `dssDbPassword`.
 */
export async function ensureDssRole(ownerUrl: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DSS_ROLE]);
    const lit = client.escapeLiteral(password);
    await client.query(exists.rowCount ? `ALTER ROLE ${DSS_ROLE} LOGIN PASSWORD ${lit}` : `CREATE ROLE ${DSS_ROLE} LOGIN PASSWORD ${lit}`);
    const d = DSS_ROLE;
    await client.query(`
      REVOKE ALL ON ALL TABLES IN SCHEMA ${SCHEMAS} FROM ${d};
      REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${SCHEMAS} FROM ${d};
      REVOKE ALL ON SCHEMA ${SCHEMAS} FROM ${d};
      GRANT USAGE ON SCHEMA staging TO ${d};
      GRANT SELECT ON staging.meters, staging.items, staging.scans, staging.fundings, staging.account_refunds, staging.invoices,
                      staging.watermarks, staging.deltas TO ${d};
    `);
  } finally {
    await client.end();
  }
}

/** The same server and database as the owner URL, as the decision-support role. */
export function dssUrlFrom(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = DSS_ROLE;
  u.password = password;
  return u.toString();
}

/** The same server and database as the owner URL, as the application role. */
export function appUrlFrom(ownerUrl: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = APP_ROLE;
  u.password = password;
  return u.toString();
}
