// Every limit in Vaultmeter lives here, so that bounds are reviewed in one place.

/** Money: 1 USD = 1000 mills. */
export const MILLS_PER_DOLLAR = 1000n;
/** Largest single print, fund or refund amount: $10,000.000. */
export const MAX_AMOUNT_MILLS = 10_000_000n;
/** Per-meter ceiling on the descending register (funds available): $50,000. */
export const MAX_DR_MILLS = 50_000_000n;
/** Largest postage value a single item may carry: $1,000. */
export const MAX_ITEM_VALUE_MILLS = 1_000_000n;

/** Login attempts before the meter locks. */
export const MAX_FAILED_LOGINS = 5;
/** How many previous password verifiers a meter remembers to refuse repeats. */
export const PASSWORD_HISTORY_LENGTH = 5;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** Refund window for unused items (configurable through VAULTMETER_REFUND_WINDOW_DAYS). */
export const DEFAULT_REFUND_WINDOW_DAYS = 30;
export const MAX_REFUND_WINDOW_DAYS = 365;
/**
 * Refunded items a meter package remembers (so the module refuses a second refund even when the
 * database forgot the first); the oldest beyond this are forgotten, and older items lose their refund.
 */
export const MAX_REFUNDS_REMEMBERED = 1000;
/**
 * Test mode (issue 14 item 1): a sandbox meter's customer funds it with `test_fund`, free and never
 * real value. Its descending register may not go above this by a test funding: $1,000.
 */
export const MAX_SANDBOX_BALANCE_MILLS = 1_000_000n;
/** ACH funding (issue 14). The largest single funding request: $5,000. */
export const MAX_FUNDING_REQUEST_MILLS = 5_000_000n;
/** Funding requests waiting for settlement on one meter, and their total: $10,000. */
export const MAX_PENDING_DEBITS = 8;
export const MAX_PENDING_DEBIT_MILLS = 10_000_000n;
/** Settled debits a package remembers while the bank may still return them. */
export const MAX_SETTLED_DEBITS_REMEMBERED = 64;
/** The longest ACH return window (R10 and other unauthorized-debit returns: 60 days). */
export const ACH_RETURN_WINDOW_DAYS = 60;
/** The hold between a funding request and its value download (VAULTMETER_ACH_HOLD_HOURS), in hours. */
export const DEFAULT_ACH_HOLD_HOURS = 72;
export const MAX_ACH_HOLD_HOURS = 30 * 24;
/** Card payments through Stripe: how long one API call may take, and how often the SDK retries it (same idempotency key). */
export const STRIPE_TIMEOUT_MS = 20_000;
export const STRIPE_MAX_NETWORK_RETRIES = 2;
/**
 * A card request still `requested` this long after it committed is finished by the payments run:
 * its server died between the commit and the charge. Well past a live request's own charge (three
 * Stripe attempts of STRIPE_TIMEOUT_MS), so the sweep does not race the request it rescues.
 */
export const STRANDED_CARD_MIN_AGE_MS = 10 * 60_000;
/**
 * Stripe keeps an idempotency key for at least 24 hours and may forget it after. A card request
 * older than this is never charged again (by a retry or the sweep): a forgotten key would create a
 * second PaymentIntent, so a second charge. Only Stripe's webhook (or customer care) finishes it.
 */
export const CARD_CHARGE_MAX_AGE_MS = 23 * 3_600_000;
/** Stranded card requests one payments run finishes (oldest first; the next run takes the rest). */
export const MAX_STRANDED_CARDS_PER_RUN = 20;
/** Stranded card requests a payments run charges at once: each waits on Stripe, up to three STRIPE_TIMEOUT_MS when it is down. */
export const STRANDED_CARD_CONCURRENCY = 4;
/** The largest Stripe webhook body accepted (Stripe's events are a few kB). */
export const MAX_STRIPE_WEBHOOK_BYTES = 256 * 1024;
/** NACHA files one payments run writes (the next run takes the rest). */
export const MAX_ACH_FILES_PER_RUN = 20;
/** Returns entries read from one returns file, and its size (two 95-byte records per return). */
export const MAX_RETURNS_PER_FILE = 10_000;
export const MAX_RETURNS_FILE_BYTES = 2 * 1024 * 1024;
/** Settlements or returns one payments run applies (the next run takes the rest). */
export const MAX_SETTLEMENTS_PER_RUN = 10_000;

/** Settlements or returns a payments run has in flight at once (they share module batches). */
export const PAYMENTS_CONCURRENCY = 32;
/** NACHA files one listing shows (newest first). */
export const MAX_ACH_FILES_LISTED = 100;
/** Funding requests one listing shows (newest first). */
export const MAX_FUNDING_REQUESTS_LISTED = 100;

/** Meter signing key and certificate lifetime. */
export const METER_KEY_LIFETIME_DAYS = 3 * 365;
export const MODULE_CERT_LIFETIME_DAYS = 5 * 365;
export const CA_CERT_LIFETIME_DAYS = 20 * 365;
/** A registration that is begun must be completed within this time. */
export const REGISTRATION_TTL_MS = 10 * 60_000;

/** HTTP */
export const DEFAULT_PORT = 8080;
export const MAX_BODY_BYTES = 64 * 1024;
/** A refused oversized body is still read (and dropped) up to this size, so the client gets its 413 instead of a reset. */
export const MAX_DRAINED_BODY_BYTES = 16 * 1024 * 1024;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** Verified officer credentials are remembered this long (scrypt is deliberately slow). */
export const OFFICER_CACHE_TTL_MS = 60_000;
export const OFFICER_CACHE_MAX = 1000;

/** Officer statements (see protocol/officer-statement.ts). */
/** A single officer's statement is good this long after it was signed (and this far in the future, for clock skew). */
export const OFFICER_STATEMENT_MAX_AGE_MS = 5 * 60_000;
/** A dual-control statement waits for the second officer: good this long. */
export const OFFICER_DUAL_STATEMENT_MAX_AGE_MS = 24 * 60 * 60_000;
/** Customer care: a balance adjustment moves at most this many mills either way ($10,000). */
export const MAX_ADJUSTMENT_MILLS = 10_000_000n;
/** Customer care: the reason every care act carries (and the officers sign), printable ASCII. */
export const MAX_CARE_REASON_LENGTH = 200;
/** Customer care's look-up: the most recent funding requests and audit events it shows. */
export const CARE_LOOKUP_ROWS = 20;
/** Closed accounts' refunds listed in one answer. */
export const MAX_ACCOUNT_REFUNDS_PAGE = 500;
/** Billing: invoices drafted per read of the candidates, and at most per run (a run goes on where it stopped). */
export const INVOICE_BATCH = 200;
export const MAX_INVOICES_PER_RUN = 10_000;
/** A customer's invoice listing: the most recent months. */
export const MAX_INVOICES_LISTED = 120;
export const CARE_REASON_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${MAX_CARE_REASON_LENGTH}}$`);
/** Nonces of spent officer statements a meter package keeps (those inside the age limit). */
export const MAX_PACKAGE_OFFICER_NONCES = 64;
/** Nonces of spent statements a module remembers for acts without a package. */
export const MAX_MODULE_OFFICER_NONCES = 10_000;
export const MAX_OFFICER_CERT_PEM_BYTES = 4096;
/** Officer certificates a module keeps parsed and checked against the CA (see module/officer-check.ts). */
export const MAX_CACHED_OFFICER_CERTIFICATES = 1000;
/** Officer names a module keeps removed (each one is refused for good). */
export const MAX_REMOVED_OFFICERS = 10_000;
/** Officer certificates: re-keying replaces them before they expire. */
export const OFFICER_CERT_LIFETIME_DAYS = 2 * 365;
/** Customer sessions stay looked up this long in one API server (another server sees an ended session this late at most). */
export const SESSION_CACHE_TTL_MS = 1000;
export const SESSION_CACHE_MAX = 10_000;
export const MAX_USERNAME_LENGTH = 64;
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * The SDK retries a request the server refused as briefly unavailable (the database or a module
 * restarting): at most this many times, each after the server's Retry-After, capped. The retry carries the same
 * Idempotency-Key and body, so it returns the first answer if that one committed after all.
 */
export const CLIENT_UNAVAILABLE_RETRIES = 5;
/**
 * A request with an Idempotency-Key whose answer never arrived (the API server restarting) is sent
 * again this many times, the pause doubling to the cap (about 7 s in all): the supervisor restarts an
 * API server in 2–3 s, and the retry then returns the answer the first attempt may have committed.
 */
export const CLIENT_UNREACHABLE_RETRIES = 8;
export const CLIENT_UNREACHABLE_MAX_PAUSE_MS = 1_000;
export const CLIENT_RETRY_AFTER_MAX_MS = 5_000;

/** Module framed protocol. */
export const MAX_FRAME_BYTES = 1024 * 1024;
export const MODULE_CALL_TIMEOUT_MS = 15_000;
export const MODULE_MAX_PENDING_CALLS = 4096;
export const MODULE_START_TIMEOUT_MS = 30_000;
export const DEFAULT_MODULE_COUNT = 2;
export const MAX_MODULE_COUNT = 16;

/** Meter pool (the patent's MeterGen keeps pre-created meters ready). */
export const METER_POOL_TARGET = 4;
/** Pooled meters a registration tries before it gives up (each lost race to a concurrent registration costs one). */
export const REGISTRATION_CLAIM_ATTEMPTS = 4;
export const MAX_METER_POOL = 1000;
export const METER_POOL_REFILL_INTERVAL_MS = 5_000;

/** Keystore and profile key derivation (scrypt). */
export const KEYSTORE_SCRYPT = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;
export const PROFILE_SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
export const PASSWORD_VERIFIER_SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
export const OFFICER_SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** The client's own store of the items it paid for (see cli/item-store.ts). */
/** `client items` lists this many by default, and at most this many per page. */
export const CLIENT_ITEMS_PAGE = 20;
export const MAX_CLIENT_ITEMS_PAGE = 500;
/** Kept items one listing reads names for; a larger store fails clearly rather than list a wrong order. */
export const MAX_CLIENT_ITEMS_KEPT = 1_000_000;
/** Largest kept file read back as an item (the largest item is 245 bytes; more is not an item). */
export const MAX_CLIENT_ITEM_FILE_BYTES = 4096;

/** Database */
export const DB_POOL_SIZE = 16;
export const DB_STATEMENT_TIMEOUT_MS = 10_000;
/** A new connection that takes longer fails (database_unavailable) instead of queueing requests behind it. */
export const DB_CONNECT_TIMEOUT_MS = 3_000;
/** A lost connection that a process holds for itself (the shipper's election, a LISTEN) is retried with this backoff. */
export const DB_RECONNECT_MIN_MS = 100;
export const DB_RECONNECT_MAX_MS = 5_000;

/** Mailing dates may be at most this many days in the past or ahead of today (UTC). */
export const MAILING_DATE_MAX_DAYS_BEHIND = 1;
export const MAILING_DATE_MAX_DAYS_AHEAD = 30;

/** Licensing ZIP given to pooled meters unless VAULTMETER_LICENSING_ZIP says otherwise. */
export const DEFAULT_LICENSING_ZIP = '20260';

/**
 * The supervisor restarts a process that dies (a module, the shipper, the API server, the embedded
 * PostgreSQL) after a pause that starts here and doubles with each restart in the window, up to the
 * cap. More than RESTARTS_PER_WINDOW restarts in RESTART_WINDOW_MS is a crash loop: it stops trying.
 */
export const RESTART_FIRST_DELAY_MS = 200;
export const RESTART_MAX_DELAY_MS = 5_000;
export const RESTART_WINDOW_MS = 60_000;
export const RESTARTS_PER_WINDOW = 10;

/** Checkpoints: ring entries per module (the patent's N), and the halt threshold of inhibited modules. */
export const DEFAULT_RING_SIZE = 3;
export const DEFAULT_HALT_THRESHOLD = 1;
/** The watchdog: days a meter may go without a device audit before it stops printing. */
export const DEFAULT_AUDIT_INTERVAL_DAYS = 90;
/**
 * The module's journal (its log records not yet off-site): at most this many records or bytes. Full,
 * it refuses new transactions (journal_full, 503) until the shipper confirms a position off-site.
 * At the default ship interval a full journal means the shipper has been failing for a long time.
 */
export const MAX_JOURNAL_RECORDS = 1_000_000;
export const MAX_JOURNAL_BYTES = 1024 * 1024 * 1024;
/**
 * Meters whose latest package version a journal keeps after their records are shipped (`mark`
 * lines, newest first): the module refuses an older package of any of them, and names them when a
 * database cannot be completed.
 */
export const MAX_JOURNAL_MARKS = 1_000_000;
/** A command on a meter held unproven tries a roll-forward (which may release it) at most this often. */
export const UNPROVEN_RETRY_INTERVAL_MS = 10_000;
/** Meters a module names at most when the database cannot be completed (newest first; one answer frame holds them). */
export const MAX_UNPROVEN_METERS = 4096;
/** One roll-forward page read from a journal: records and bytes (well inside a module frame both ways). */
export const MAX_JOURNAL_READ_RECORDS = 200;
export const MAX_JOURNAL_READ_BYTES = 384 * 1024;
/** A problem with one of these codes tells the client when to try again (the `Retry-After` header, seconds). */
export const RETRY_AFTER_SECONDS = { journal_full: 30, database_unavailable: 1, module_unavailable: 1 } as const;
/** Records of one meter re-applied at once when its package row is found older than its log. */
export const MAX_REPAIR_RECORDS = 10_000;
/** Pages one roll-forward reads from a module's journal at most (a full journal is 5,000 pages). */
export const MAX_JOURNAL_PAGES_PER_RUN = 10_000;
/** How many modules one request may try (after a recovery, an inhibition or an unreachable module). */
export const MODULE_ATTEMPTS = 4;
/**
 * Group commit: at most this many commands (for distinct meters) in one module dispatch and one
 * database transaction. Batches form while the previous one commits; none waits on a timer.
 */
export const MAX_BATCH_OPS = 64;
/** Unwrapped meter signing keys a module keeps parsed. */
export const MODULE_KEY_CACHE_SIZE = 4096;
/** Transaction log: largest server-supplied detail a module seals into one record (bytes of JSON). */
export const MAX_LOG_EXTRA_BYTES = 16 * 1024;
/** Ledger effects an API server may declare for one module op (a log record's body). */
export const MAX_DECLARED_EFFECTS = 8;
/** Discarded transactions one recovery record lists (the audit trail keeps every one). */
export const MAX_LOGGED_DISCARDS = 512;
/** Segments close at this many records, or this long after their first record, whichever comes first. */
export const DEFAULT_SEGMENT_RECORDS = 1000;
export const MAX_SEGMENT_RECORDS = 100_000;
export const DEFAULT_SEGMENT_MAX_AGE_MS = 60_000;
/** The shipper's pass interval (0 = continuous) and how many records it reads per query. */
export const DEFAULT_SHIP_INTERVAL_MS = 60_000;
export const MAX_SHIP_TARGETS = 8;
/** How often a shipper that lost the election tries again to become the installation's shipper. */
export const SHIPPER_ELECTION_RETRY_MS = 2_000;
/** The election lock (pg_advisory_lock key) for the one shipper per installation. */
export const SHIPPER_LOCK_KEY = 7262002;
/** Only one API server rolls the database forward from the shipped log at a time. */
export const ROLL_FORWARD_LOCK_KEY = 7262003;
/** One payments run (NACHA filing, settlement) per installation. */
export const PAYMENTS_LOCK_KEY = 7262004;
/** One provider report run per installation. */
export const PROVIDER_REPORTS_LOCK_KEY = 7262005;
/** How often the API server's payments job looks for due settlements and the daily filing (VAULTMETER_PAYMENTS_POLL_MS). */
export const PAYMENTS_POLL_MS = 60_000;
export const MIN_PAYMENTS_POLL_MS = 100;
/** An operator's payments run waits this long for one in progress (the job's runs take milliseconds), trying every PAYMENTS_LOCK_RETRY_MS. */
export const PAYMENTS_LOCK_WAIT_MS = 10_000;
export const PAYMENTS_LOCK_RETRY_MS = 100;
export const MAX_PAYMENTS_POLL_MS = 3_600_000;
export const SHIP_READ_BATCH = 5000;
/** Segments one shipper pass cuts, and uploads per target and log, at most (the next pass goes on). */
export const MAX_SEGMENTS_PER_PASS = 200;
/** Idle wait between continuous shipper passes, and how long a `shipped`-durability answer waits at most. */
export const SHIP_CONTINUOUS_IDLE_MS = 5;
export const SHIP_CONTINUOUS_MAX_IDLE_MS = 500;
export const SHIPPED_WAIT_TIMEOUT_MS = 30_000;
/** Answers waiting for the shipper at once, at most, and how often they look when no notification comes. */
export const MAX_SHIPPED_WAITERS = 10_000;
export const SHIPPED_POLL_MS = 50;
/** Replay: records decrypted per module call, and rows per database statement. */
export const REPLAY_MODULE_BATCH = 200;
/** ...and at most this many bytes of records per call, well inside a module frame (MAX_FRAME_BYTES) both ways. */
export const REPLAY_MODULE_BATCH_BYTES = 384 * 1024;
export const REPLAY_DB_BATCH = 2000;
/** Replay batches being read, opened or applied at once. */
export const REPLAY_PIPELINE_DEPTH = 3;
/** Backups kept by the daily schedule, and the default interval between them. */
export const DEFAULT_BACKUP_RETENTION = 7;
export const MAX_BACKUP_RETENTION = 1000;
/** Largest backup file `recover` reads (it is held in memory; a ship target stores at most 256 MiB per object). */
export const MAX_BACKUP_FILE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_BACKUP_INTERVAL_MS = 24 * 3600 * 1000;
/** Plain bytes a module seals into one backup chunk (a module frame holds at most 1 MiB of JSON). */
export const MAX_BACKUP_CHUNK_BYTES = 512 * 1024;
/** Chunks one backup may have (a backup file is at most MAX_BACKUP_FILE_BYTES). */
export const MAX_BACKUP_CHUNKS = MAX_BACKUP_FILE_BYTES / MAX_BACKUP_CHUNK_BYTES;
/** A backup's home line (the CA, module certificates and sealed keystores) as a module takes it. */
export const MAX_BACKUP_HOME_BYTES = 512 * 1024;
/** Backups a module is sealing at once; beginning one more forgets the oldest. */
export const MAX_OPEN_BACKUPS = 4;

// Provider reports (issue 18 item 2): a module builds them from the log in one pass per day.
/** Report passes a module keeps open at once (beginning another forgets the oldest). */
export const MAX_OPEN_REPORTS = 2;
/** Characters of a report file that cross the module socket in one call, either way (inside MAX_FRAME_BYTES). */
export const MAX_REPORT_CHUNK_CHARS = 384 * 1024;
/** The previous day's inventory file a module reads back at most (characters). */
export const MAX_REPORT_PREVIOUS_CHARS = 96 * 1024 * 1024;
/** Meters one inventory report may list. */
export const MAX_REPORT_METERS = 500_000;
/** Reported effects (fundings, licenses, movements, status changes) one day may hold. */
export const MAX_REPORT_EVENTS = 1_000_000;
/** Days one run of the report job produces at most (it resumes from where it stopped). */
export const MAX_REPORT_DAYS_PER_RUN = 31;
/** How long after midnight UTC the job waits before it reports the day just ended (records in flight at midnight land first). */
export const REPORT_DAY_GRACE_MS = 5 * 60_000;
/** How often the API server's report job looks for a day to file (VAULTMETER_PROVIDER_REPORTS_POLL_MS). */
export const PROVIDER_REPORTS_POLL_MS = 10 * 60_000;
export const MIN_PROVIDER_REPORTS_POLL_MS = 100;
/** Times a report pass asks again when the module's own log is not yet in the database to the day's end. */
export const REPORT_INCOMPLETE_RETRIES = 5;
export const REPORT_INCOMPLETE_RETRY_MS = 200;
/** Filed reports one listing returns at most. */
export const MAX_REPORT_LIST = 400;
/** The longest snapshot row (one JSON line) a module reads while it seals a backup. */
export const MAX_BACKUP_ROW_BYTES = 4 * 1024 * 1024;
/** Rows a backup reads per query from one table. */
export const BACKUP_PAGE_ROWS = 5000;

/** Page size for the audit trail listing. */
export const MAX_AUDIT_PAGE = 500;

/** The history listings (GET /v1/items, GET /v1/meters/{id}/transactions): rows per page by default, and at most. */
export const HISTORY_PAGE = 50;
export const MAX_HISTORY_PAGE = 500;
/** A CSV export streams at most this many rows (the server counts first and refuses more: narrow the dates). */
export const MAX_HISTORY_EXPORT_ROWS = 100_000;
/** An export reads this many rows per query (a transactions page recomputes the meter's running registers). */
export const HISTORY_EXPORT_PAGE = 5000;
/** A history cursor (base64url of the last row's time and id) is at most this long. */
export const MAX_HISTORY_CURSOR_LENGTH = 200;

/** Tickets, coupons, vouchers and gift certificates may be valid at most this long. */
export const MAX_VALIDITY_DAYS = 5 * 365;

/** Public verification and redemption: per-client-address token bucket, and how many addresses it tracks. */
export const PUBLIC_RATE_PER_SEC = 500;
export const PUBLIC_RATE_BURST = 1000;
export const RATE_LIMIT_MAX_CLIENTS = 10_000;
export const CHALLENGE_RATE_PER_SEC = 20;
export const CHALLENGE_RATE_BURST = 200;
/** Registrations begun per client address: each claims a pooled meter (or makes one). */
export const REGISTRATION_RATE_PER_SEC = 0.2;
export const REGISTRATION_RATE_BURST = 100;
/** Officer password checks per client address (a remembered good credential is not checked again). */
export const OFFICER_LOGIN_RATE_PER_SEC = 1;
export const OFFICER_LOGIN_RATE_BURST = 20;
/** Failed officer logins, per officer name (known or not), before the name is locked for a while. */
export const OFFICER_MAX_FAILED_LOGINS = 5;
export const OFFICER_LOCKOUT_MS = 15 * 60_000;
/** Largest item a verifier accepts (bytes) and longest free-text location. */
export const MAX_ITEM_BYTES = 2048;
export const MAX_LOCATION_LENGTH = 128;
/** Largest barcode image or PDF the CLI will try to decode. */
export const MAX_SCAN_FILE_BYTES = 10 * 1024 * 1024;
/** Verified meter certificates a verifier keeps parsed. */
export const MAX_CACHED_CERTIFICATES = 10_000;

// Transaction log shipping targets
/** Longest key a ship target accepts (S3's own limit is 1024 bytes of UTF-8). */
export const MAX_SHIP_KEY_LENGTH = 1024;
/** Largest object a ship target stores or reads back (one log segment or one sealed backup part). */
export const MAX_SHIP_OBJECT_BYTES = 256 * 1024 * 1024;
/** Most keys one `list` returns; a listing that would be longer fails rather than come back cut short. */
export const MAX_SHIP_LIST_KEYS = 100_000;
/** Keys asked for per S3 ListObjectsV2 page (S3's own maximum is 1000). */
export const SHIP_S3_LIST_PAGE_KEYS = 1000;
/** Attempts per S3 request, first try included (the SDK's standard retry mode, with backoff). */
export const SHIP_S3_MAX_ATTEMPTS = 4;
/** S3 connection and per-request socket timeouts. */
export const SHIP_S3_CONNECT_TIMEOUT_MS = 5_000;
export const SHIP_S3_REQUEST_TIMEOUT_MS = 60_000;

// Shipped log verification
/** Largest certificate file (CA or module, PEM) `audit verify` reads; and the most non-segment keys under logs/ it lists in its report. */
export const MAX_AUDIT_CERT_BYTES = 64 * 1024;
export const MAX_AUDIT_IGNORED_KEYS = 100;
/** Least time between two progress lines of `audit verify` on stderr. */
export const AUDIT_PROGRESS_INTERVAL_MS = 1000;

/** Rates (src/rates, src/module/rate-store.ts). */
/** Rate tables a module holds at once: a few price lists around their change dates. */
export const MAX_RATE_TABLES = 16;
/** One installed bundle (a table and its zone data), as JSON: one travels in a module frame (MAX_FRAME_BYTES) at a time, and is the body limit of its upload. */
export const MAX_RATE_BUNDLE_BYTES = 256 * 1024;
/** The API server re-reads the modules' rate tables this often (an install through another server shows up by then). */
export const RATE_BOOK_CACHE_MS = 30_000;

// Address matching (src/address, POST /v1/addresses/verify, the destination check before a print)
/** Ranked suggestions one verification returns at most (the patent's AMS list, best first). */
export const MAX_ADDRESS_SUGGESTIONS = 10;
/** Longest free-text address (one line: street, secondary, city, state and ZIP). */
export const MAX_ADDRESS_LINE_LENGTH = 200;
/** Longest name, company, street or secondary field (Publication 28 keeps each printed line within 64 positions). */
export const MAX_ADDRESS_FIELD_LENGTH = 64;
/** Longest city as sent, and longest state as sent (a full name such as "District of Columbia" is accepted). */
export const MAX_ADDRESS_CITY_LENGTH = 64;
export const MAX_ADDRESS_STATE_LENGTH = 32;
/** Longest ZIP field as sent ("12345-6789" with stray spaces): the matcher reports a malformed one, the schema only bounds it. */
export const MAX_ADDRESS_ZIP_LENGTH = 16;
/** A misspelt city is matched to the state's cities at most this many edits away. */
export const ADDRESS_CITY_MAX_EDITS = 2;
/** ZIP Codes suggested for one city, nearest to the one given first. */
export const ADDRESS_ZIPS_PER_CITY = 5;
/** The least score at which the destination check takes a suggestion without asking (exact and standardized matches). */
export const ADDRESS_ACCEPT_SCORE = 90;

// IMpb, the Intelligent Mail package barcode on the 4x6 label (src/indicium/impb.ts)
/** The Mailer ID used when VAULTMETER_MAILER_ID is unset: for development and tests only. It is NOT a USPS-assigned MID. */
export const DEV_MAILER_ID = '999999999';
/**
 * IMpb bar width (X dimension) limits, inches, and the least bar height: USPS-2000508 (Barcode, Package,
 * Intelligent Mail Specification) as excerpted in USPS's Parcel Labeling Guide, appendix A.
 */
export const IMPB_MIN_MODULE_IN = 0.013;
export const IMPB_MAX_MODULE_IN = 0.021;
export const IMPB_BAR_HEIGHT_IN = 0.75;

// The customer profile and e-mail (src/services/profile.ts, src/services/mail/, issue 14)
/** Longest profile name or company. */
export const MAX_PROFILE_TEXT_LENGTH = 128;
/** Longest e-mail address (RFC 5321: a path of 256 octets with its angle brackets). */
export const MAX_EMAIL_LENGTH = 254;
/** Longest local part of an e-mail address (RFC 5321). */
export const MAX_EMAIL_LOCAL_LENGTH = 64;
/** A verification token is good this long after its mail was enqueued, and once. */
export const EMAIL_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** Random bytes in a verification token (base64url in the mail). */
export const EMAIL_TOKEN_BYTES = 32;
/** A print that takes the available balance (dr) from at least this to below it mails the verified address once. */
export const LOW_BALANCE_MILLS = 10_000n;
/** The sender when MAIL_FROM is unset. */
export const DEFAULT_MAIL_FROM = 'Vaultmeter <no-reply@localhost>';
/** Rows one delivery pass claims at most. */
export const MAIL_BATCH_SIZE = 20;
/** Tries per mail before it is marked failed. */
export const MAIL_MAX_ATTEMPTS = 8;
/** The first retry waits this long; each one after waits twice as long as the one before, up to MAIL_RETRY_MAX_MS. */
export const MAIL_RETRY_BASE_MS = 30_000;
export const MAIL_RETRY_MAX_MS = 60 * 60 * 1000;
/** A claimed row is not claimed again for this long: a worker that died mid-send leaves it to be retried. */
export const MAIL_CLAIM_LEASE_MS = 5 * 60 * 1000;
/** How often the delivery worker looks for due mail. */
export const MAIL_POLL_MS = 1000;
/** One SMTP conversation (connect, greeting, send) gives up after this long. */
export const SMTP_TIMEOUT_MS = 20_000;
/** The longest last_error kept per mail. */
export const MAX_MAIL_ERROR_LENGTH = 500;
/** Mails one `GET /v1/admin/mail` lists at most. */
export const MAX_MAIL_PAGE = 200;
/** Profile changes per customer (each may send a verification mail to any address): a burst, then one a minute. */
export const PROFILE_UPDATE_RATE_BURST = 10;
export const PROFILE_UPDATE_RATE_PER_SEC = 1 / 60;

// Customer bank accounts and the ACH file (src/services/bank-accounts.ts, src/module/bank-desk.ts, issue 14)
/** Bank accounts a customer may hold at once (removed ones do not count). */
export const MAX_BANK_ACCOUNTS_PER_CUSTOMER = 5;
/** An account number: NACHA's DFI account number field (entry detail positions 13-29) holds 17 characters. */
export const MIN_BANK_ACCOUNT_NUMBER_LENGTH = 4;
export const MAX_BANK_ACCOUNT_NUMBER_LENGTH = 17;
/** The account holder's name as the customer gives it; the NACHA individual name field keeps the first 22 characters. */
export const MAX_BANK_HOLDER_NAME_LENGTH = 64;
/** Bank account changes per customer: a burst, then one a minute (like the profile). */
export const BANK_ACCOUNT_RATE_BURST = 10;
export const BANK_ACCOUNT_RATE_PER_SEC = 1 / 60;
/**
 * Entries one `buildAchFile` module call takes. The call and its answer each travel in one module
 * frame (MAX_FRAME_BYTES, 1 MiB): an entry's arguments are at most about 520 bytes of JSON and its
 * record 96 bytes of answer, so 1,500 entries keep the call under 800 KB (a unit test builds the
 * largest call). A day with more debits is several files (each its own file id modifier).
 */
export const MAX_ACH_FILE_ENTRIES = 1_500;

// API keys for integrators (src/protocol/api-keys.ts, src/services/api-keys.ts, issue 14 item 1)
/** Keys a customer may hold at once (revoked and expired ones do not count). */
export const MAX_API_KEYS_PER_CUSTOMER = 10;
/** The longest a key may live; a key without an expiry lives until it is revoked. */
export const MAX_API_KEY_DAYS = 366;
/** Key creations per customer: each is a meter command and a log record. A burst, then one a minute. */
export const API_KEY_CREATE_RATE_BURST = 5;
export const API_KEY_CREATE_RATE_PER_SEC = 1 / 60;
/** A key looked up in the last moment is trusted this long (like a session); a revocation here drops it at once. */
export const API_KEY_CACHE_TTL_MS = 1000;
export const API_KEY_CACHE_MAX = 10_000;
/** last_used_at is written at most this often per key: it is a hint for the customer, not ledger state. */
export const API_KEY_LAST_USED_RESOLUTION_MS = 60_000;

// Several users per account (src/protocol/members.ts, src/meter/members.ts, issue 14 item 1)
/** Members an account may hold besides its owner, invited ones included (removed ones do not count). */
export const MAX_ACCOUNT_MEMBERS = 10;
/** A member's part of a login name (`owner+member`). */
export const MAX_MEMBER_NAME_LENGTH = 32;
/** An invitation not accepted by then is dead: the owner invites again. */
export const INVITATION_TTL_MS = 72 * 3_600_000;

// Meter licenses (src/services/licenses.ts, issue 18 item 1)
/** Rows an officer's license listing answers at most. */
export const MAX_LICENSES_PAGE = 500;
/** Movements a license answer lists, newest first. */
export const MAX_LICENSE_MOVEMENTS = 20;

// Staging and the decision-support warehouse (src/services/staging.ts, docs/DSS.md, issue 18 item 3)
/** One staging run (delta and load) per installation (pg_advisory_lock key). */
export const STAGING_LOCK_KEY = 7262005;
/** Items the delta reads, decodes and upserts per round trip. */
export const STAGING_ITEM_PAGE = 10_000;
/** Rows the warehouse load reads from staging per round trip. */
export const WAREHOUSE_LOAD_PAGE = 50_000;
/** The delta's and the load's statements may run long (a first full copy); no other statement gets this. */
export const STAGING_STATEMENT_TIMEOUT_MS = 3_600_000;
/** Rows a report answers at most (its CSV and chart); a longer one is refused: narrow --from/--to. */
export const MAX_REPORT_ROWS = 100_000;
/** Bars or points a report's chart draws; the longest series keep their last ones. */
export const MAX_CHART_POINTS = 120;
