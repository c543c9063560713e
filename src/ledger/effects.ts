import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  MAX_ADDRESS_FIELD_LENGTH,
  MAX_ADDRESS_CITY_LENGTH,
  MAX_ADDRESS_STATE_LENGTH,
  MAX_ADDRESS_ZIP_LENGTH,
  MAX_ACH_FILE_ENTRIES,
  MAX_BANK_HOLDER_NAME_LENGTH,
  MAX_CARE_REASON_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_LOGGED_DISCARDS,
  MAX_PROFILE_TEXT_LENGTH,
} from '../constants.js';
import { API_KEY_SCOPES, LICENSE_NUMBER_PATTERN, MEMBER_NAME_PATTERN, MEMBER_ROLES } from '../protocol/index.js';
import { PLAN_IDS } from '../payments/index.js';
import { REPORT_KINDS } from './provider-report-format.js';

// The ledger: every durable state change is one typed effect. The module seals the effects into
// its log record body; one applier (src/store/apply-effect.ts) writes them, live and in replay, so
// what a transaction means is written once. Adding a kind here without a schema or an applier
// fails the compiler (the tables below are keyed by kind) and test/unit/ledger/effects.test.ts.

/** Bumped when an effect's shape changes incompatibly; replay refuses versions it does not know. */
export const EFFECTS_VERSION = 1;

const Uuid = Type.String({ pattern: '^[0-9a-f-]{36}$' });
const Mills = Type.String({ pattern: '^\\d{1,18}$', description: 'integer mills' });
const Text = (maxLength: number) => Type.String({ maxLength });
const B64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: 65536 });
const Version = Type.String({ pattern: '^\\d{1,18}$' });
const ItemId = Type.String({ pattern: '^[0-9a-f]{32}$' });
const Name = Type.String({ minLength: 1, maxLength: 64 });
const MemberName = Type.String({ pattern: MEMBER_NAME_PATTERN });
const LicenseNumber = Type.String({ pattern: LICENSE_NUMBER_PATTERN });
const Zip5 = Type.String({ pattern: '^[0-9]{5}$' });
const Instant = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z$' });
/** The officers whose signatures a module checked (dual control: two). */
const Officers = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 2, maxItems: 2 });
const PaymentMethodId = Type.String({ pattern: '^pm_[A-Za-z0-9_]{1,200}$' });
const PaymentIntentId = Type.String({ pattern: '^pi_[A-Za-z0-9_]{1,200}$' });
const Json = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 });

/** What a dual-control request may ask for; the first three change the checkpoint machinery, the rest one customer's meter. */
export const APPROVAL_ACTIONS = ['clear_halt', 'reinstate_module', 'install_rates', 'reset_password', 'adjust_balance', 'close_account'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

/** A customer's postal address in their profile; each field may be empty. */
export const ProfileAddressSchema = Type.Object(
  {
    street: Text(MAX_ADDRESS_FIELD_LENGTH),
    secondary: Text(MAX_ADDRESS_FIELD_LENGTH),
    city: Text(MAX_ADDRESS_CITY_LENGTH),
    state: Text(MAX_ADDRESS_STATE_LENGTH),
    zip: Text(MAX_ADDRESS_ZIP_LENGTH),
  },
  { additionalProperties: false },
);
export type ProfileAddress = Static<typeof ProfileAddressSchema>;

const effect = <K extends string, P extends Record<string, TSchema>>(kind: K, props: P) =>
  Type.Object({ kind: Type.Literal(kind), ...props }, { additionalProperties: false });

/** One schema per kind: what the module seals and what replay checks before applying. */
export const EFFECT_SCHEMAS = {
  /** MeterGen: a module created a meter (keys, certificate, sealed package); it waits in the pool. */
  meter_provisioned: effect('meter_provisioned', {
    meterId: Uuid,
    certSerialHex: Text(64),
    certificatePem: Text(8192),
    licensingZip: Text(10),
    version: Version,
    sealed: B64,
  }),
  /** A meter's sealed package moved from one version to the next (every package-writing op). */
  package_stored: effect('package_stored', { meterId: Uuid, fromVersion: Version, toVersion: Version, sealed: B64 }),
  /** Registration began: a pooled meter is bound to a user name. */
  customer_claimed: effect('customer_claimed', { username: Name, meterId: Uuid }),
  /** Registration completed: the module holds the client MAC key and the password verifier. */
  customer_registered: effect('customer_registered', { meterId: Uuid }),
  /** Test mode: the module registered the meter as a sandbox (its MAC'd registerComplete answer says so). Never undone. */
  meter_sandboxed: effect('meter_sandboxed', { meterId: Uuid }),
  /** Test mode: the customer's MAC'd `test_fund` credited test value to their sandbox meter. Only a module derives it. */
  test_funded: effect('test_funded', { meterId: Uuid, amountMills: Mills }),
  /** A postage value download (reset), by an officer. */
  meter_funded: effect('meter_funded', { meterId: Uuid, amountMills: Mills, officer: Text(64) }),
  /**
   * The customer's MAC'd funding request: it waits for settlement, crediting nothing. An ACH debit
   * (no `method`, as before cards) names a bank account and carries the module's debit authorization;
   * a card payment (`method: 'card'`) names the Stripe PaymentMethod, with no account (null) and an
   * empty authorization.
   */
  funding_requested: effect('funding_requested', {
    meterId: Uuid,
    requestId: ItemId,
    bankAccountId: Type.Union([Uuid, Type.Null()]),
    amountMills: Mills,
    debitAuthorization: B64,
    method: Type.Optional(Type.Literal('card')),
    paymentMethod: Type.Optional(PaymentMethodId),
  }),
  /** Pending funding requests went into a NACHA file, each with a trace number (ODFI + sequence, in list order). */
  ach_file_created: effect('ach_file_created', {
    fileId: Uuid,
    createdAt: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z$' }),
    odfi: Type.String({ pattern: '^\\d{8}$' }),
    firstSequence: Type.Integer({ minimum: 1, maximum: 9_999_999 }),
    requestIds: Type.Array(ItemId, { minItems: 1, maxItems: MAX_ACH_FILE_ENTRIES }),
  }),
  /** The NACHA file reached the bank outbox; `sha256` names its exact bytes. */
  ach_file_delivered: effect('ach_file_delivered', { fileId: Uuid, sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }), target: Text(200) }),
  /** The debit settled after its hold: the postage value download, credited by the module. */
  funding_settled: effect('funding_settled', { meterId: Uuid, requestId: ItemId, amountMills: Mills, paymentIntentId: Type.Optional(PaymentIntentId) }),
  /**
   * The bank returned the debit (R01...), or a card payment failed, was disputed or refunded (card_*):
   * cancelled before settlement, owed (and the meter suspended) after.
   */
  funding_returned: effect('funding_returned', {
    meterId: Uuid,
    requestId: ItemId,
    returnCode: Type.String({ pattern: '^(R\\d{2}|card_[a-z_]{1,40})$' }),
    paymentIntentId: Type.Optional(PaymentIntentId),
    outcome: Type.Union([Type.Literal('cancelled'), Type.Literal('owed')]),
    amountMills: Mills,
  }),
  /** A module-signed device audit of the meter, by an officer. */
  meter_audited: effect('meter_audited', { meterId: Uuid, officer: Text(64) }),
  item_printed: effect('item_printed', { meterId: Uuid, itemId: ItemId, itemSerial: Version, itemKind: Text(16), amountMills: Mills, itemBase64: B64 }),
  item_refunded: effect('item_refunded', { meterId: Uuid, itemId: ItemId }),
  meter_withdrawn: effect('meter_withdrawn', { meterId: Uuid }),
  /** The password verifier inside the package changed (nothing outside the package). */
  password_changed: effect('password_changed', { meterId: Uuid }),
  /** The package locked the meter after too many failed logins (nothing outside the package). */
  meter_locked: effect('meter_locked', { meterId: Uuid }),
  meter_unlocked: effect('meter_unlocked', { meterId: Uuid, officer: Text(64) }),
  meter_revoked: effect('meter_revoked', { meterId: Uuid, officer: Text(64), reason: Text(200) }),
  /**
   * Customer care reset a forgotten password on two officers' statement: the module drew a password
   * and sealed it to the client MAC key (`sealedPassword` under `resetNonce`); no one else can open it.
   */
  password_reset: effect('password_reset', {
    meterId: Uuid,
    reason: Text(MAX_CARE_REASON_LENGTH),
    officers: Officers,
    resetNonce: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    sealedPassword: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', maxLength: 200 }),
  }),
  /** Customer care adjusted the balance (two officers): dr and the control total moved by `deltaMills`. */
  meter_adjusted: effect('meter_adjusted', {
    meterId: Uuid,
    reason: Text(MAX_CARE_REASON_LENGTH),
    officers: Officers,
    deltaMills: Type.String({ pattern: '^-?[1-9]\\d{0,17}$' }),
  }),
  /** Customer care closed the account (two officers): the meter is withdrawn, `refundMills` is owed back to the customer. */
  account_closed: effect('account_closed', {
    meterId: Uuid,
    reason: Text(MAX_CARE_REASON_LENGTH),
    officers: Officers,
    /** The whole balance taken out of dr: the refund plus what was netted against returned debits. */
    balanceMills: Mills,
    refundMills: Mills,
    owedMills: Mills,
  }),
  /** A security officer recorded that a closed account's refund was paid, and how (a reference to the payment). */
  account_refund_paid: effect('account_refund_paid', { meterId: Uuid, reference: Text(MAX_CARE_REASON_LENGTH), by: Text(64) }),
  /** A customer chose a pricing plan (a session's `PUT /v1/plan`); it applies from the next invoice. */
  plan_selected: effect('plan_selected', { meterId: Uuid, plan: Type.Union(PLAN_IDS.map((p) => Type.Literal(p))) }),
  /** A month's invoice for the vendor's fees: the plan, its lines and the total (a billing run; once per meter and month). */
  invoice_issued: effect('invoice_issued', {
    invoiceId: Uuid,
    meterId: Uuid,
    month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }),
    plan: Type.Union(PLAN_IDS.map((p) => Type.Literal(p))),
    lines: Type.Array(
      Type.Object({ description: Text(200), quantity: Type.Integer({ minimum: 0 }), unitMills: Mills, amountMills: Mills }, { additionalProperties: false }),
      { minItems: 1, maxItems: 8 },
    ),
    totalMills: Mills,
  }),
  officer_created: effect('officer_created', {
    username: Name,
    role: Type.Union([Type.Literal('security_officer'), Type.Literal('operator'), Type.Literal('support')]),
    passwordHash: Text(512),
    by: Text(64),
  }),
  /** Two security officers removed an officer: every module refuses the name's signatures; its logins end. */
  officer_removed: effect('officer_removed', { username: Name, by: Text(64) }),
  approval_requested: effect('approval_requested', {
    approvalId: Version,
    action: Type.Union(APPROVAL_ACTIONS.map((a) => Type.Literal(a))),
    // `authorization`: the requester's signed statement (JSON), which the approver's signature completes.
    params: Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 8192 }), { maxProperties: 6 }),
    by: Text(64),
  }),
  approval_granted: effect('approval_granted', {
    approvalId: Version,
    action: Text(32),
    requestedBy: Text(64),
    module: Type.Union([Text(64), Type.Null()]),
    by: Text(64),
  }),
  item_redeemed: effect('item_redeemed', { itemId: ItemId, meterId: Uuid, location: Text(200) }),
  item_scanned: effect('item_scanned', { itemId: ItemId, meterId: Type.Union([Uuid, Type.Null()]), location: Text(200), valid: Type.Boolean() }),
  /** A customer set their profile; a changed e-mail address is unverified until `email_verified`. */
  profile_updated: effect('profile_updated', {
    username: Name,
    name: Text(MAX_PROFILE_TEXT_LENGTH),
    company: Text(MAX_PROFILE_TEXT_LENGTH),
    address: ProfileAddressSchema,
    email: Type.Union([Text(MAX_EMAIL_LENGTH), Type.Null()]),
  }),
  /** The customer proved they read mail at `email` (a one-time token from the verification mail). */
  email_verified: effect('email_verified', { username: Name, email: Text(MAX_EMAIL_LENGTH) }),
  /**
   * A customer added a bank account for ACH debits. `sealed` is a module's envelope of the account
   * number (sealBankAccount), bound to the user name, the account id and the routing number; the
   * number itself is in no effect and no row.
   */
  bank_account_added: effect('bank_account_added', {
    username: Name,
    bankAccountId: Uuid,
    routing: Type.String({ pattern: '^\\d{9}$' }),
    accountType: Type.Union([Type.Literal('checking'), Type.Literal('savings')]),
    holderName: Type.String({ minLength: 1, maxLength: MAX_BANK_HOLDER_NAME_LENGTH }),
    last4: Type.String({ pattern: '^[0-9A-Z-]{4}$' }),
    sealed: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', minLength: 4, maxLength: 256 }),
  }),
  /** A customer removed a bank account: no debit is drawn on it after this. */
  bank_account_removed: effect('bank_account_removed', { username: Name, bankAccountId: Uuid }),
  /**
   * The customer's MAC'd `api_key` command: an integrator key, by the SHA-256 of its text (the key
   * itself is in no effect and no row). Only a module derives it, from the command's MAC'd answer.
   */
  api_key_created: effect('api_key_created', {
    meterId: Uuid,
    keyId: Uuid,
    keyHashHex: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    scopes: Type.Array(Type.Union(API_KEY_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: API_KEY_SCOPES.length, uniqueItems: true }),
    expiresAt: Type.Union([Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3})?Z$' }), Type.Null()]),
  }),
  /** A key was revoked (by a session, or by the key itself): it authenticates nothing after this. */
  api_key_revoked: effect('api_key_revoked', { meterId: Uuid, keyId: Uuid }),
  /**
   * The owner's MAC'd `member_invite` put a member's slot in the package (issue 14 item 1). The
   * invitation code is in no effect: only its hash is in the package. Only a module derives it.
   */
  member_invited: effect('member_invited', {
    meterId: Uuid,
    member: MemberName,
    role: Type.Union(MEMBER_ROLES.map((r) => Type.Literal(r))),
    email: Type.Union([Type.String({ minLength: 3, maxLength: MAX_EMAIL_LENGTH }), Type.Null()]),
    expiresAt: Instant,
  }),
  /** The member's sealed acceptance held the invitation's code: its credentials are in its slot (the module's MAC'd answer). */
  member_joined: effect('member_joined', { meterId: Uuid, member: MemberName }),
  /** The owner's MAC'd `member_remove`: the slot and its keys left the package. */
  member_removed: effect('member_removed', { meterId: Uuid, member: MemberName }),
  /** Too many of a member's failed logins: that member is locked out, the account is not. */
  member_locked: effect('member_locked', { meterId: Uuid, member: MemberName }),
  /**
   * An officer licensed a customer's meter (issue 18 item 1): the license number, the licensing ZIP,
   * and the customer's tax id sealed by a module (bound to the meter and the number) with its last four.
   */
  license_issued: effect('license_issued', {
    licenseNumber: LicenseNumber,
    meterId: Uuid,
    licensingZip: Zip5,
    taxIdSealed: B64,
    taxIdLast4: Type.String({ pattern: '^[0-9]{4}$' }),
    officer: Text(64),
  }),
  /** An officer suspended, reinstated or revoked a license, with a reason. */
  license_status_changed: effect('license_status_changed', {
    licenseNumber: LicenseNumber,
    meterId: Uuid,
    status: Type.Union([Type.Literal('issued'), Type.Literal('suspended'), Type.Literal('revoked')]),
    reason: Text(MAX_CARE_REASON_LENGTH),
    officer: Text(64),
  }),
  /** The customer's MAC'd `move`: the module changed the licensing ZIP in the sealed package. Only a module derives it. */
  meter_moved: effect('meter_moved', { meterId: Uuid, fromZip: Zip5, toZip: Zip5 }),
  /**
   * A day's provider reports reached the provider outbox (issue 18 item 2): a module made and signed
   * them from the log; `sha256` names each file's exact bytes. A re-issue by an officer has a reason.
   */
  provider_reports_filed: effect('provider_reports_filed', {
    day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    issue: Type.Integer({ minimum: 1, maximum: 999_999 }),
    signer: Text(64),
    target: Text(200),
    reports: Type.Array(
      Type.Object(
        {
          kind: Type.Union(REPORT_KINDS.map((k) => Type.Literal(k))),
          objectKey: Text(300),
          sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
          lines: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { minItems: REPORT_KINDS.length, maxItems: REPORT_KINDS.length },
    ),
    reason: Type.Union([Text(MAX_CARE_REASON_LENGTH), Type.Null()]),
    officer: Type.Union([Text(64), Type.Null()]),
  }),
  /** A checkpoint recovery that discarded transactions, for the audit trail. */
  recovery_logged: effect('recovery_logged', { module: Text(64), discarded: Type.Array(Json, { maxItems: MAX_LOGGED_DISCARDS }) }),
} as const;

export type EffectKind = keyof typeof EFFECT_SCHEMAS;
export type EffectOf<K extends EffectKind> = Static<(typeof EFFECT_SCHEMAS)[K]>;
export type LedgerEffect = { [K in EffectKind]: EffectOf<K> }[EffectKind];

export const EFFECT_KINDS = Object.keys(EFFECT_SCHEMAS) as EffectKind[];

/** Effects the API server may declare itself (the module adds them to the record as given). */
export const SERVER_DECLARED: ReadonlySet<EffectKind> = new Set<EffectKind>([
  'customer_claimed',
  'officer_created',
  'officer_removed',
  'approval_requested',
  'approval_granted',
  'item_redeemed',
  'item_scanned',
  'recovery_logged',
  'profile_updated',
  'email_verified',
  'ach_file_created',
  'ach_file_delivered',
  'bank_account_added',
  'bank_account_removed',
  'api_key_revoked',
  'account_refund_paid',
  'plan_selected',
  'invoice_issued',
  'license_issued',
  'license_status_changed',
  'provider_reports_filed',
]);

/** When an effect took place: the time of the record that carries it. */
export interface EffectPlace {
  readonly atMs: number;
}
