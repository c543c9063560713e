// The one error catalogue. Codes are stable API: clients branch on them, so never rename one.

export const ERRORS = {
  invalid_request: { status: 400, title: 'The request is malformed' },
  invalid_amount: { status: 400, title: 'The amount is not a valid positive number of mills' },
  amount_too_large: { status: 400, title: 'The amount is larger than allowed' },
  invalid_password: { status: 400, title: 'The password does not meet the rules' },
  body_too_large: { status: 413, title: 'The request body is too large' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  invalid_credentials: { status: 401, title: 'The user name or password is wrong' },
  forbidden: { status: 403, title: 'You may not act on this resource' },
  not_found: { status: 404, title: 'No such resource' },
  user_exists: { status: 409, title: 'That user name is already registered' },
  conflict: { status: 409, title: 'The meter changed concurrently; retry' },
  idempotency_key_reused: { status: 422, title: 'The idempotency key was used for a different request' },
  bad_mac: { status: 401, title: 'The request MAC does not verify' },
  challenge_mismatch: { status: 409, title: 'The challenge is not the current one (replayed or stale request)' },
  stale_registers: { status: 409, title: "The client's view of the registers does not match the meter" },
  insufficient_funds: { status: 402, title: 'The meter does not hold enough funds' },
  balance_ceiling: { status: 422, title: 'The funding would exceed the meter balance ceiling' },
  meter_locked: { status: 423, title: 'The meter is locked' },
  debit_returned: { status: 423, title: 'The meter is suspended: the bank returned a funding debit whose value was already downloaded' },
  funding_request_duplicate: { status: 409, title: 'A funding request with that id exists already' },
  funding_request_unknown: { status: 404, title: 'No such funding request is waiting on this meter' },
  too_many_funding_requests: { status: 429, title: 'Too many funding requests are waiting for settlement' },
  funding_refused: { status: 403, title: 'This meter may not request funding now' },
  settlement_on_hold: { status: 409, title: 'The funding debit is still inside its settlement hold' },
  return_entry_unknown: { status: 422, title: 'The returns file names an entry that was never sent' },
  receipt_not_ready: { status: 409, title: 'The funding has not settled yet, so it has no receipt' },
  funding_pending: { status: 409, title: 'An ACH debit of this meter is still pending at the bank' },
  password_reset_none: { status: 404, title: 'No password reset waits for this customer' },
  payments_busy: { status: 409, title: 'Another payments run is in progress' },
  debit_not_authorized: { status: 422, title: 'No funding request authorizes this debit' },
  bank_outbox_unwritable: { status: 503, title: 'The bank outbox cannot be written; the NACHA file waits for the next run' },
  card_declined: { status: 402, title: 'The card was declined; the funding request is cancelled' },
  card_payment_incomplete: { status: 402, title: 'The card payment needs more from the cardholder; the value arrives when it succeeds' },
  card_payments_disabled: { status: 422, title: 'Card payments are not configured on this server' },
  card_processor_unavailable: { status: 502, title: 'The card processor could not be reached; retry with the same Idempotency-Key' },
  webhook_signature_invalid: { status: 400, title: 'The webhook signature does not verify' },
  webhook_meter_mismatch: { status: 422, title: "The event's PaymentIntent names another meter than its funding request" },
  officer_locked: { status: 423, title: 'Too many failed logins for this officer name; wait and try again' },
  meter_withdrawn: { status: 410, title: 'The meter is withdrawn' },
  meter_not_operational: { status: 409, title: 'The meter is not in the operational state' },
  registration_expired: { status: 409, title: 'The registration was not completed in time' },
  registration_pending: { status: 409, title: 'Another client began registering that user name; it is theirs until it expires' },
  password_reused: { status: 422, title: 'The new password repeats one of the last passwords' },
  refund_window_closed: { status: 422, title: 'The refund window for this item has closed' },
  already_refunded: { status: 409, title: 'The item was already refunded' },
  package_tampered: { status: 500, title: 'The stored meter package failed authentication' },
  key_version_unknown: { status: 500, title: 'The data was sealed under a key version this module does not hold' },
  invariant_violation: { status: 500, title: 'A register invariant is broken; the meter is refused' },
  item_invalid: { status: 422, title: 'The item does not verify' },
  module_unavailable: { status: 503, title: 'No cryptographic module is available' },
  checkpoint_mismatch: { status: 409, title: "The database's checkpoint for this module is not the module's latest" },
  checkpoint_forged: { status: 500, title: "The database's checkpoint for this module fails its MAC" },
  checkpoint_foreign: { status: 500, title: "The database's checkpoint row belongs to another module" },
  module_inhibited: { status: 503, title: 'The cryptographic module is inhibited' },
  journal_full: { status: 503, title: "The module's journal is full until the shipper takes the log off-site; retry later" },
  journal_gap: { status: 409, title: "The log position is not in the module's journal" },
  database_stale: { status: 409, title: 'The database lacks transactions the module witnessed; it must be rolled forward first' },
  package_stale: { status: 409, title: 'The stored meter package is older than the log shows it reached; it is refused and rolled forward' },
  system_halted: { status: 503, title: 'Meter commands are halted until two security officers clear the halt' },
  audit_overdue: { status: 423, title: 'The meter has gone too long without a device audit' },
  officer_signature_required: { status: 401, title: "This act needs an officer's signature over exactly it" },
  officer_signature_invalid: { status: 403, title: 'The officer signature, certificate or statement does not check' },
  officer_statement_spent: { status: 409, title: 'The signed officer statement was already used or is too old' },
  dual_control: { status: 403, title: 'A different security officer must approve this request' },
  approval_not_pending: { status: 409, title: 'The approval request is not pending' },
  item_scanned: { status: 409, title: 'The item was already scanned, so it can no longer be refunded' },
  already_redeemed: { status: 409, title: 'The item was already redeemed' },
  not_redeemable: { status: 422, title: 'The item cannot be redeemed' },
  meter_revoked: { status: 410, title: "The meter's certificate is revoked" },
  rate_limited: { status: 429, title: 'Too many requests; slow down' },
  unsupported_file: { status: 400, title: 'The file is not an item, a PNG or a PDF with a Vaultmeter barcode' },
  database_unavailable: { status: 503, title: 'The database cannot be reached; retry shortly' },
  pool_empty: { status: 503, title: 'No meter is available for registration; retry shortly' },
  meter_unproven: { status: 423, title: "The database cannot prove this meter's registers; it is held until officers reconcile it" },
  meter_suspended: { status: 423, title: "The audit verifier found a break in the meter's register continuity; the meter is suspended" },
  rate_mismatch: { status: 422, title: 'The amount is not the price of the named class, weight and zone in the rate table in force' },
  no_rate_table: { status: 422, title: 'No rate table is in force for the mailing date' },
  unknown_rate_class: { status: 422, title: 'The rate table in force has no such mail class (or no such price tier)' },
  weight_over_limit: { status: 422, title: "The weight is over the mail class's limit" },
  unknown_zip: { status: 422, title: 'The ZIP code is not a known one' },
  invalid_dimensions: { status: 400, title: 'The dimensions are not three positive lengths in inches' },
  rate_table_invalid: { status: 422, title: 'The rate table does not follow its format' },
  log_record_invalid: { status: 422, title: 'A transaction log record fails its hash or its seal' },
  backup_invalid: { status: 422, title: 'The backup fails its signature, its digest or its seal' },
  backup_refused: { status: 409, title: 'The module will not seal or sign this backup: it signs only what it sealed itself' },
  report_refused: { status: 409, title: 'The module will not make this provider report: the log it was given does not continue the last report' },
  report_incomplete: { status: 409, title: "The provider report does not reach the end of the day on the module's own log yet; retry" },
  provider_reports_busy: { status: 409, title: 'Another provider report run is in progress; retry in a minute' },
  report_file_missing: { status: 409, title: 'A filed provider report is missing from the provider outbox, or its bytes changed' },
  report_invalid: { status: 422, title: 'The provider report fails its signature, its digest or its totals' },
  shipping_timeout: { status: 503, title: 'The log record did not reach a backup target in time; the change is committed but not yet off-site' },
  backup_target_invalid: { status: 400, title: 'The backup destination is not usable' },
  address_unverified: { status: 422, title: 'The destination address could not be verified' },
  address_service_unavailable: { status: 503, title: 'The address verification service cannot be reached; retry shortly' },
  invalid_email: { status: 400, title: 'The e-mail address is not one we can send mail to' },
  email_token_invalid: { status: 422, title: 'The e-mail verification token is wrong, expired or used, or the address changed since it was sent' },
  invalid_routing_number: { status: 422, title: 'The routing number is not a valid ABA routing number' },
  invalid_account_number: { status: 422, title: 'The bank account number is not 4 to 17 letters, digits or hyphens' },
  too_many_bank_accounts: { status: 409, title: 'The customer holds as many bank accounts as allowed; remove one first' },
  bank_account_tampered: { status: 422, title: 'A sealed bank account number fails authentication for the account it is given as' },
  ach_file_invalid: { status: 422, title: 'The ACH file cannot be built from this input, or the built file does not validate' },
  api_key_invalid: { status: 401, title: 'The API key is unknown, revoked or expired' },
  api_key_scope: { status: 403, title: "The API key's scopes do not cover this request" },
  too_many_api_keys: { status: 409, title: 'The customer holds as many API keys as allowed; revoke one first' },
  not_sandbox: { status: 409, title: 'Only a sandbox (test mode) meter takes test funds; this meter holds real postage value' },
  sandbox_meter: {
    status: 409,
    title: 'A sandbox (test mode) meter holds no real value: it is never funded by an officer or a bank, and has no bank accounts',
  },
  sandbox_limit: { status: 422, title: 'The test funds would take the sandbox meter over its test balance cap' },
  registration_mismatch: { status: 409, title: "The registration's sealed request does not match how it was begun (sandbox or not)" },
  officer_revoked: { status: 403, title: 'The officer was removed: the modules refuse every signature by that name' },
  invalid_tax_id: { status: 422, title: 'The tax id is not nine digits (an EIN or an SSN)' },
  license_exists: { status: 409, title: 'The meter holds a license already (issued or suspended)' },
  license_transition: { status: 409, title: 'The license cannot go to that status from the one it has' },
  member_unknown: { status: 404, title: 'No such member of this account, or the invitation was not accepted' },
  member_exists: { status: 409, title: 'That name is already a member of this account; remove it first' },
  too_many_members: { status: 409, title: 'The account holds as many members as allowed; remove one first' },
  member_role: { status: 403, title: "The member's role does not allow this (a viewer reads; a shipper also prints and refunds)" },
  invitation_unknown: { status: 404, title: 'No open invitation for this name: it was accepted, withdrawn, or never made' },
  invitation_expired: { status: 410, title: 'The invitation has expired; ask the account owner to invite you again' },
  invitation_code_wrong: { status: 403, title: 'The invitation code does not match the invitation' },
  staging_busy: { status: 409, title: 'Another staging run (delta and warehouse load) is in progress' },
  warehouse_missing: { status: 404, title: 'The decision-support warehouse has not been built yet; run the staging job first' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/**
 * Codes the client raises itself, never sent by the server: the transport failed, an answer failed
 * the client's own checks, or the local profile or command line is wrong. A client may also raise
 * any server code above (e.g. `invalid_request` for a bad option).
 */
export const CLIENT_ERRORS = {
  unreachable: { title: 'The server cannot be reached' },
  bad_response: { title: 'The server answered with something that is not JSON' },
  http_error: { title: 'The server answered with an error that carries no known code' },
  bad_response_mac: { title: 'The answer is not from the module: its MAC, its request or its item does not match' },
  bad_ca: { title: 'The CA certificate the server sent does not parse' },
  untrusted_module: { title: 'The module is not certified by the pinned CA, or its proof does not verify' },
  untrusted_meter: { title: 'The meter certificate is not issued by the pinned CA' },
  registers_rolled_back: { title: "The meter reports registers older than the client's record of them" },
  profile_exists: { title: 'A local profile for that user already exists' },
  profile_corrupt: { title: 'The local profile does not open' },
  no_profile: { title: 'There is no local profile for that user' },
  no_session: { title: 'There is no open session for that user' },
  no_recovery_code: { title: 'The local profile has no recovery code' },
  reset_unopenable: { title: "The reset password does not open with this profile's MAC key" },
  bad_target: { title: 'The log location to audit cannot be opened' },
  ca_unreadable: { title: 'The CA certificate file cannot be read' },
  ca_invalid: { title: 'The CA certificate file is not a certificate of a sane size' },
  ca_missing: { title: 'The audited log holds no CA certificate, and none was given' },
  out_unwritable: { title: 'The output file cannot be written; nothing was sent or debited' },
  item_not_written: { title: "The item was paid for and kept in the client's store, but its output file could not be written" },
  sandbox_mismatch: { title: 'The module registered the meter as sandbox or not, other than the client asked' },
  invite_code_missing: { title: "A member's login name (owner+member) registers only with the invitation's code" },
  error: { title: 'The command failed for a reason without its own code; the message says why' },
} as const;

export type ClientErrorCode = keyof typeof CLIENT_ERRORS;

/** Any code a caller of the API or the CLI can see. */
export type AnyErrorCode = ErrorCode | ClientErrorCode;

export function isAnyErrorCode(value: unknown): value is AnyErrorCode {
  return isErrorCode(value) || (typeof value === 'string' && Object.hasOwn(CLIENT_ERRORS, value));
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** An expected failure with a stable code. Thrown across layers, rendered as RFC 9457 problem JSON. */
export class VaultError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra members for the problem document (already JSON-safe). */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail?: string, extra: Record<string, unknown> = {}) {
    super(detail ?? ERRORS[code].title);
    this.name = 'VaultError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.extra = extra;
  }
}

export function fail(code: ErrorCode, detail?: string, extra?: Record<string, unknown>): never {
  throw new VaultError(code, detail, extra);
}

export const PROBLEM_TYPE_BASE = 'https://vaultmeter.dev/problems/';

/** An RFC 9457 problem document with our stable `code`. */
export function problemDocument(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}, instance?: string): Record<string, unknown> {
  return {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: ERRORS[code].title,
    status: ERRORS[code].status,
    code,
    detail,
    ...(instance ? { instance } : {}),
    ...extra,
  };
}
