import { LabelAddress } from '../address/index.js';
import { Type } from '@sinclair/typebox';
import { ModuleResponse, Nullable, Opaque, Session, StringMap } from './schemas.js';
import { TRANSACTION_KINDS } from './history-query.js';

// The 200 answer of every route. Fastify serializes through these, so a member missing here is
// dropped from the answer: each lists every member its handler returns.

const Str = Type.String;
const IsoTime = Type.String({ description: 'UTC, ISO 8601' });
const Mills = Type.String({ pattern: '^-?\\d+$', description: 'integer mills, as a string' });

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('halted')]),
  halted: Type.Boolean(),
  modules: Type.Integer({ description: 'modules configured' }),
  durability: Str(),
  shippingLagMs: Type.Integer(),
});

export const CaCertificate = Type.Object({ certificatePem: Str() });

export const MeterCertificate = Type.Object({ meterId: Str(), certSerialHex: Str(), certificatePem: Str(), status: Str() });

export const RegistrationBegun = Type.Object({
  meterId: Str(),
  meterCertificatePem: Str(),
  meterCertSerialHex: Str(),
  moduleSerial: Str(),
  moduleCertificatePem: Str(),
  caCertificatePem: Str(),
  ephemeralPublicKey: Str(),
  proofSignature: Str(),
});

export const RegistrationDone = Type.Object({ response: ModuleResponse, responseMac: Str(), session: Session });

export const Challenge = Type.Object({ meterId: Str(), response: ModuleResponse, responseMac: Str() });

export const LoggedIn = Type.Object({ response: ModuleResponse, responseMac: Str(), session: Session });
export const LoggedOut = Type.Object({ loggedOut: Type.Boolean() });

export const PrintedItem = Type.Object({ itemId: Str(), itemSerial: Str(), kind: Str(), amountMills: Mills, itemBase64: Str() });

export const CommandDone = Type.Object({
  response: ModuleResponse,
  responseMac: Str(),
  item: Type.Optional(PrintedItem),
  shipTo: Type.Optional(Type.Composite([LabelAddress], { description: 'the destination address as checked and standardized (a print with shipTo)' })),
  addressWarnings: Type.Optional(Type.Array(Type.Object({ code: Str(), detail: Str() }), { description: 'what the address check found, in warn mode' })),
  fundingRequest: Type.Optional(
    Type.Object(
      {
        requestId: Str(),
        amountMills: Mills,
        bankAccountId: Type.Optional(Str()),
        method: Type.Optional(Type.Literal('card')),
        status: Type.Union([Type.Literal('requested'), Type.Literal('settled'), Type.Literal('returned')]),
        settleAfter: Str(),
        paymentIntentId: Type.Optional(Type.Union([Str(), Type.Null()])),
        returnCode: Type.Optional(Str()),
      },
      {
        description:
          'a fund_request: an ACH debit waits for the next NACHA file, and its value for the hold; a card payment (method card) is charged at once and answered settled',
      },
    ),
  ),
  apiKey: Type.Optional(
    Type.Object(
      { keyId: Str({ format: 'uuid' }), scopes: Type.Array(Str()), expiresAt: Type.Union([Str(), Type.Null()]) },
      { description: 'an api_key: the key is stored by its hash; its text is only ever with the client that drew it' },
    ),
  ),
  member: Type.Optional(
    Type.Object(
      { member: Str(), login: Str(), role: Str(), expiresAt: Str(), mailed: Type.Boolean() },
      { description: 'a member_invite: the login name the invitee accepts with, and whether the server mailed the code' },
    ),
  ),
  removed: Type.Optional(Str({ description: 'a member_remove: the member whose slot left the package' })),
});

const FundingStatus = Type.Union([Type.Literal('requested'), Type.Literal('filed'), Type.Literal('settled'), Type.Literal('returned')]);
const NullableStr = Type.Union([Str(), Type.Null()]);

export const FundingRequest = Type.Object({
  requestId: Str(),
  amountMills: Mills,
  bankAccountId: NullableStr,
  method: Type.Union([Type.Literal('ach'), Type.Literal('card')]),
  paymentIntentId: NullableStr,
  status: FundingStatus,
  requestedAt: Str(),
  traceNumber: NullableStr,
  filedAt: NullableStr,
  settledAt: NullableStr,
  returnedAt: NullableStr,
  returnCode: NullableStr,
  owedMills: Mills,
});

export const FundingRequests = Type.Object({ fundingRequests: Type.Array(FundingRequest) });

const DebitOutcome = Type.Object({
  requestId: Str(),
  meterId: Str(),
  outcome: Type.Union([Type.Literal('settled'), Type.Literal('cancelled'), Type.Literal('owed'), Type.Literal('refused')]),
  amountMills: Mills,
  code: Type.Optional(Str()),
});

const AchFile = Type.Object({
  fileId: Str(),
  fileName: Str(),
  entryCount: Type.Integer(),
  totalMills: Mills,
  sha256: Str(),
  signer: Str(),
  development: Type.Boolean(),
});

/** A stranded card request the run finished: `pending` still waits on the cardholder or Stripe, `failed` is tried again next run. */
const CardSwept = Type.Object({
  requestId: Str(),
  meterId: Str(),
  outcome: Type.Union([Type.Literal('settled'), Type.Literal('cancelled'), Type.Literal('pending'), Type.Literal('failed')]),
  amountMills: Mills,
  code: Type.Optional(Str()),
});

export const PaymentsRan = Type.Object({ files: Type.Array(AchFile), settled: Type.Array(DebitOutcome), cards: Type.Array(CardSwept) });

export const ReturnsRead = Type.Object({
  returns: Type.Array(Type.Composite([DebitOutcome, Type.Object({ returnCode: Str(), traceNumber: Str() })])),
  alreadyReturned: Type.Array(Str()),
});

export const AchFiles = Type.Object({
  files: Type.Array(
    Type.Object({
      fileId: Str(),
      createdAt: Str(),
      entryCount: Type.Integer(),
      totalMills: Mills,
      sha256: NullableStr,
      target: NullableStr,
      deliveredAt: NullableStr,
    }),
  ),
});

export const Funded = Type.Object({ user: Str(), meterId: Str(), amountMills: Mills, arMills: Mills, drMills: Mills, controlTotalMills: Mills });

/** Customer care's look-up: the customer's standing from the database's clear rows. */
export const CustomerRecord = Type.Object({
  user: Str(),
  meterId: Str(),
  registeredAt: Nullable(IsoTime),
  meter: Type.Object({ status: Str(), statusReason: Nullable(Str()), arMills: Mills, drMills: Mills, packageVersion: Str() }),
  profile: Nullable(Type.Object({ name: Str(), company: Str(), email: Nullable(Str()), emailVerified: Type.Boolean() })),
  bankAccounts: Type.Array(Type.Object({ bankAccountId: Str(), routing: Str(), last4: Str(), accountType: Str() })),
  fundingRequests: Type.Array(Type.Object({ requestId: Str(), amountMills: Mills, status: Str(), requestedAt: IsoTime })),
  apiKeys: Type.Integer({ description: 'live API keys' }),
  members: Type.Array(Type.Object({ member: Str(), role: Str(), status: Str() }), { description: "the account's other users (removed ones too)" }),
  refund: Nullable(Type.Object({ refundMills: Mills, owedMills: Mills, state: Str(), closedAt: IsoTime })),
  events: Type.Array(Type.Object({ kind: Str(), actor: Nullable(Str()), at: IsoTime, detail: Opaque('what the event records') })),
});

export const AccountRefunds = Type.Object({
  refunds: Type.Array(
    Type.Object({
      meterId: Str(),
      user: Nullable(Str()),
      refundMills: Mills,
      owedMills: Mills,
      reason: Str(),
      officers: Type.Array(Str()),
      closedAt: IsoTime,
      state: Str(),
    }),
  ),
});

const PlanShape = {
  plan: Str(),
  name: Str(),
  monthlyFeeMills: Mills,
  perLabelFeeMills: Mills,
  selectedAt: Nullable(IsoTime),
};
export const Plan = Type.Object(PlanShape);
export const Plans = Type.Object({ plans: Type.Array(Type.Object(PlanShape)) });
export const Invoices = Type.Object({
  invoices: Type.Array(
    Type.Object({
      invoiceId: Str(),
      month: Str(),
      plan: Str(),
      lines: Type.Array(Type.Object({ description: Str(), quantity: Type.Integer(), unitMills: Mills, amountMills: Mills })),
      totalMills: Mills,
      issuedAt: IsoTime,
    }),
  ),
});
export const BillingRun = Type.Object({
  month: Str(),
  invoiced: Type.Integer(),
  more: Type.Boolean({ description: 'true when the run stopped at its bound: run it again' }),
});

export const RefundPaid = Type.Object({ meterId: Str(), state: Type.Literal('paid') });

export const PasswordReset = Type.Object({ meterId: Str(), resetNonce: Str(), sealedPassword: Str(), resetAt: IsoTime });

export const Unlocked = Type.Object({ meterId: Str(), state: Str() });

export const Revoked = Type.Object({ meterId: Str(), status: Type.Literal('revoked'), reason: Str() });

export const DeviceAudit = Type.Object({
  report: StringMap('the signed report, decoded'),
  reportBase64: Str(),
  signatureDerHex: Str(),
  moduleCertificatePem: Str(),
});

const ModuleStatus = Type.Object({
  serial: Str(),
  state: Str(),
  checkpoint: Type.Object({
    seq: Str(),
    at: Nullable(IsoTime),
    date: Nullable(Str()),
    time: Nullable(Str()),
    type: Nullable(Str()),
    valueMills: Nullable(Mills),
    macHex: Nullable(Str()),
  }),
  inhibitedAt: Nullable(IsoTime),
  inhibitedReason: Nullable(Str()),
  lastSeenAt: IsoTime,
});

export const Modules = Type.Object({
  halted: Type.Boolean(),
  haltedAt: Nullable(IsoTime),
  haltReason: Nullable(Str()),
  haltThreshold: Type.Integer(),
  modules: Type.Array(ModuleStatus),
});

export const LogStatus = Type.Object({
  durability: Str(),
  lagMs: Type.Integer(),
  targets: Type.Array(
    Type.Object({
      name: Str(),
      logs: Type.Array(Type.Object({ logId: Str(), lastSeq: Str(), shippedSeq: Str(), lagRecords: Str(), lagMs: Type.Integer() })),
    }),
  ),
});

export const AuditEvents = Type.Object({
  events: Type.Array(
    Type.Object({
      eventId: Str(),
      at: IsoTime,
      kind: Str(),
      moduleSerial: Nullable(Str()),
      meterId: Nullable(Str()),
      actor: Nullable(Str()),
      detail: Opaque('what the event records; members depend on its kind'),
    }),
  ),
});

export const OfficerRemoved = Type.Object({
  officer: Type.Object({
    user: Str(),
    removedAt: Str({ description: 'when the modules took the removal (the first to hold it, for a removal run again)' }),
    modules: Type.Integer({ description: 'modules that hold the removal' }),
  }),
});

export const OfficerCreated = Type.Object({
  officer: Type.Object({
    user: Str(),
    role: Str(),
    password: Str({ description: 'shown once: it logs the officer in, and seals the key file' }),
    certificatePem: Str({ description: "the installation CA's certificate for the officer's key, issued by a module" }),
  }),
});

const Approval = Type.Object({
  id: Str(),
  action: Str(),
  params: StringMap(),
  requestedBy: Str(),
  requestedAt: IsoTime,
  decidedBy: Nullable(Str()),
  state: Str(),
});

export const Approvals = Type.Object({ approvals: Type.Array(Approval) });

export const ApprovalRequested = Type.Object({ approval: Approval, next: Str() });

export const ApprovalGranted = Type.Object({
  approval: Type.Composite([Approval, Type.Object({ result: Opaque('what carrying out the action changed') })]),
});

const ItemJson = Opaque('the decoded item; members depend on its kind');

export const Verdict = Type.Object({
  valid: Type.Boolean(),
  status: Str({ description: 'valid, invalid, refunded, redeemed, unknown, or test_item (an authentic item of a sandbox meter: not postage)' }),
  reasons: Type.Array(Str()),
  codes: Type.Array(Str({ description: 'a stable code per reason, e.g. test_item, bad_signature, item_expired, meter_status, refunded' })),
  signatureValid: Type.Boolean({ description: "the meter's signature over the item bytes checks" }),
  testItem: Type.Boolean({ description: 'the item carries the test-mode flag in its signed bytes: it is never postage' }),
  itemId: Nullable(Str()),
  item: Nullable(ItemJson),
  meterStatus: Nullable(Str()),
  scans: Type.Object({
    previous: Type.Integer(),
    firstSeenAt: Nullable(IsoTime),
    firstSeenLocation: Nullable(Str()),
    possibleReuse: Type.Boolean(),
  }),
  redemption: Nullable(Type.Object({ at: IsoTime, location: Str() })),
});

export const Redeemed = Type.Object({ redeemed: Type.Literal(true), itemId: Str(), location: Str(), item: Nullable(ItemJson) });

export const Revocations = Type.Object({
  generatedAt: IsoTime,
  meters: Type.Array(Type.Object({ meterId: Str(), certSerialHex: Str(), status: Str(), at: Nullable(IsoTime), reason: Nullable(Str()) })),
});

const RateTableRef = Type.Object({ id: Str(), effective: Str({ description: 'first mailing date in force, YYYY-MM-DD' }), source: Str() });

const RatePrice = Type.Object({
  class: Str({ description: 'mail class code, e.g. PM (Priority Mail)' }),
  name: Str(),
  tier: Type.Union([Type.Literal('retail'), Type.Literal('commercial')]),
  zone: Str({ description: 'local, or 1 to 9' }),
  zoned: Type.Boolean({ description: 'whether the price depends on the zone' }),
  billedWeightOz: Str({ description: 'the weight priced: the actual weight, or the dimensional weight when larger' }),
  priceMills: Mills,
  price: Str({ description: 'dollars, e.g. 9.040' }),
});

export const RateQuote = Type.Object({
  rateTable: RateTableRef,
  zone: Str({ description: 'local, or 1 to 9' }),
  prices: Type.Array(RatePrice),
  unpriced: Type.Array(Type.Object({ class: Str(), tier: Str(), code: Str(), message: Str() }), {
    description: 'classes the table cannot price for this piece, and why',
  }),
});

export const RateTables = Type.Object({
  tables: Type.Array(
    Type.Object({
      id: Str(),
      effective: Str(),
      source: Str(),
      sha256: Str(),
      classes: Type.Array(Type.Object({ code: Str(), name: Str() })),
      unconfirmed: Type.Integer({ description: 'cells the table leaves unpriced because no source confirmed them' }),
      notes: Type.Array(Str()),
      zones: Str({ description: 'the source of the zone data' }),
    }),
  ),
});

export const RatesSubmitted = Type.Object({ approval: Approval, rateTable: Type.Object({ id: Str(), effective: Str(), sha256: Str() }), next: Str() });

export const ItemStatus = Type.Object({
  itemId: Str(),
  kind: Str(),
  amountMills: Mills,
  meterId: Str(),
  itemSerial: Str(),
  date: Str({ description: 'the date printed on the item (mailing or issue), YYYY-MM-DD' }),
  printedAt: IsoTime,
  status: Type.Union([Type.Literal('printed'), Type.Literal('scanned'), Type.Literal('refunded'), Type.Literal('redeemed')], {
    description: 'the latest of: refunded or redeemed, else scanned, else printed',
  }),
  scans: Type.Object({ count: Type.Integer(), firstAt: Nullable(IsoTime), lastAt: Nullable(IsoTime) }),
  refundedAt: Nullable(IsoTime),
  redeemedAt: Nullable(IsoTime),
  rateCategory: Nullable(Str({ description: 'postage only: the mail class code' })),
  rated: Nullable(Type.Object({ rateTable: Str(), zone: Type.Integer() })),
  trackingNumber: Nullable(Str({ description: 'rated postage whose class has a confirmed STC: the IMpb tracking number (22 digits)' })),
});

const ItemStatusName = Type.Union([Type.Literal('printed'), Type.Literal('scanned'), Type.Literal('refunded'), Type.Literal('redeemed')], {
  description: 'as GET /v1/items/{itemId}: refunded, else redeemed, else scanned (a valid verification), else printed',
});
const Next = Nullable(Str({ description: 'pass as `cursor` for the next page; null on the last page' }));

export const HistoryItem = Type.Object({
  itemId: Str(),
  kind: Str(),
  amountMills: Mills,
  itemSerial: Str(),
  issuedAt: IsoTime,
  date: Str({ description: 'the date printed on the item (mailing or issue), YYYY-MM-DD' }),
  status: ItemStatusName,
  refundedAt: Nullable(IsoTime),
  rateCategory: Nullable(Str({ description: 'postage only: the mail class code' })),
  rateTable: Nullable(Str({ description: 'rated postage only' })),
  zone: Nullable(Type.Integer({ description: 'rated postage only' })),
  destinationZip: Nullable(Str({ description: 'postage only: the 5-digit destination ZIP' })),
});

export const ItemsPage = Type.Object({ meterId: Str(), items: Type.Array(HistoryItem), next: Next });

export const Transaction = Type.Object({
  eventId: Str({ description: 'kind:id, unique within the meter' }),
  kind: Type.Union(TRANSACTION_KINDS.map((k) => Type.Literal(k))),
  at: IsoTime,
  amountMills: Mills,
  arAfterMills: Mills,
  drAfterMills: Mills,
  itemId: Nullable(Str({ description: 'print and refund: the item' })),
});

export const TransactionsPage = Type.Object({ meterId: Str(), transactions: Type.Array(Transaction), next: Next });
const ProfileAddressOut = Type.Object({ street: Str(), secondary: Str(), city: Str(), state: Str(), zip: Str() });

export const Profile = Type.Object({
  name: Str(),
  company: Str(),
  address: ProfileAddressOut,
  email: Nullable(Str()),
  emailVerified: Type.Boolean(),
  emailVerifiedAt: Nullable(IsoTime),
  updatedAt: Nullable(IsoTime),
});

export const ProfileUpdated = Type.Composite([Profile, Type.Object({ verificationSent: Type.Boolean({ description: 'a verification mail was enqueued' }) })]);

export const MailList = Type.Object({
  mail: Type.Array(
    Type.Object({
      mailId: Str(),
      to: Str(),
      subject: Str(),
      kind: Str(),
      state: Str(),
      attempts: Type.Integer(),
      createdAt: IsoTime,
      nextAttemptAt: IsoTime,
      sentAt: Nullable(IsoTime),
      lastError: Nullable(Str()),
      text: Type.Optional(Str({ description: 'the plain-text body (with ?body=true); emptied once sent' })),
    }),
  ),
});

/** A stored bank account as its customer sees it: the number only by its last four. */
export const BankAccount = Type.Object({
  bankAccountId: Str({ format: 'uuid' }),
  routingNumber: Str({ description: '9-digit ABA routing number' }),
  last4: Str({ description: 'the last four characters of the account number; the number itself is never answered' }),
  accountType: Type.Union([Type.Literal('checking'), Type.Literal('savings')]),
  holderName: Str(),
  createdAt: IsoTime,
});

export const BankAccountList = Type.Object({ bankAccounts: Type.Array(BankAccount) });

export const BankAccountRemoved = Type.Object({ bankAccountId: Str(), removed: Type.Boolean() });

/** An API key as its owner sees it: never its text, never its hash. */
export const ApiKey = Type.Object({
  keyId: Str({ format: 'uuid' }),
  scopes: Type.Array(Str(), { description: 'balance, print, refund, fund' }),
  createdAt: Str(),
  expiresAt: Type.Union([Str(), Type.Null()]),
  lastUsedAt: Type.Union([Str(), Type.Null()], { description: 'to the minute at best: not ledger state, and empty after a recovery' }),
  revokedAt: Type.Union([Str(), Type.Null()]),
});

export const ApiKeyList = Type.Object({ apiKeys: Type.Array(ApiKey) });

const MemberStatus = Type.Union([Type.Literal('invited'), Type.Literal('active'), Type.Literal('locked'), Type.Literal('removed')]);
export const AccountMember = Type.Object({
  member: Str(),
  login: Str({ description: 'what the member logs in as: owner+member' }),
  role: Type.Union([Type.Literal('shipper'), Type.Literal('viewer')]),
  status: MemberStatus,
  email: NullableStr,
  invitedAt: Str(),
  expiresAt: Str({ description: 'when the invitation lapses unless accepted' }),
  joinedAt: NullableStr,
  removedAt: NullableStr,
});
export const AccountMemberList = Type.Object({ members: Type.Array(AccountMember) });

export const License = Type.Object({
  licenseNumber: Str(),
  user: NullableStr,
  meterId: Str(),
  licensingZip: Str(),
  taxIdLast4: Str({ description: "the last four of the customer's tax id; the rest is sealed by a module" }),
  status: Type.Union([Type.Literal('issued'), Type.Literal('suspended'), Type.Literal('revoked')]),
  statusReason: NullableStr,
  issuedBy: Str(),
  issuedAt: Str(),
  statusAt: Str(),
});
export const LicenseAnswer = Type.Object({ license: License });
export const LicenseList = Type.Object({ licenses: Type.Array(License) });
export const CustomerLicense = Type.Object({
  license: Type.Union([License, Type.Null()]),
  movements: Type.Array(Type.Object({ movedAt: Str(), fromZip: Str(), toZip: Str() }), { description: "the meter's changes of licensing ZIP, newest first" }),
});

export const ProviderReport = Type.Object({
  day: Str(),
  kind: Str(),
  issue: Type.Integer(),
  objectKey: Str({ description: 'where the file is in the provider outbox' }),
  sha256: Str({ description: "SHA-256 of the file's bytes" }),
  lines: Type.Integer(),
  signer: Str({ description: 'the serial of the module that made and signed it' }),
  target: Str(),
  reason: NullableStr,
  officer: NullableStr,
  filedAt: Str(),
});
export const ProviderReportList = Type.Object({ reports: Type.Array(ProviderReport) });
export const ProviderReportAnswer = Type.Object({
  report: ProviderReport,
  text: Str({ description: 'the file, exactly as filed (docs/PROVIDER-REPORTS.md)' }),
  ledgerTotals: Type.Record(Str(), Str(), { description: "the day's totals from the ledger tables, in the trailer's names" }),
});
export const ProviderReportRun = Type.Object({
  filed: Type.Array(
    Type.Object({
      day: Str(),
      issue: Type.Integer(),
      signer: Str(),
      reports: Type.Array(Type.Object({ kind: Str(), objectKey: Str(), sha256: Str(), lines: Type.Integer(), totals: Type.Record(Str(), Str()) })),
    }),
  ),
  more: Type.Boolean({ description: 'more days wait than one run files: run again' }),
});
