import { VaultError } from '../errors.js';
import type { SqlRunner } from './query.js';
import { insertLogRecords, packBytes, type LogRecordWrite } from './txlog-rows.js';

// The writes of one commit, collected and then sent in as few statements as possible (round trips
// per commit are the biggest lever). The ledger appliers (apply-effect.ts) fill it, live and in
// replay; the caller passes it to `flush` in the transaction that commits them.

/**
 * `live`: the API server's commit. A row that is not where the writer expects it (a package written
 * concurrently, an item refunded twice, a user name taken) aborts the whole commit with `conflict`.
 * `replay`: putting back records from the log. Every write is idempotent (a newer package version
 * wins, rows already there are skipped), so an interrupted replay can simply run again.
 */
export type WriteMode = 'live' | 'replay';

export interface MeterInsert {
  meterId: string;
  certSerial: string;
  certificatePem: string;
  pkg: Buffer;
  version: bigint;
  licensingZip: string;
  at: Date;
}
export interface PackageWrite {
  meterId: string;
  fromVersion: bigint;
  toVersion: bigint;
  pkg: Buffer;
  at: Date;
}
export interface ItemInsert {
  itemId: string;
  meterId: string;
  itemSerial: bigint;
  kind: string;
  amountMills: bigint;
  itemBytes: Buffer;
  at: Date;
}
export interface IdempotentWrite {
  scope: string;
  key: string;
  requestSha256: Buffer;
  statusCode: number;
  response: string;
}

/** A rare write: one statement. `expectRows` is checked in live mode (a mismatch is a conflict). */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly expectRows?: number;
  readonly what?: string;
}

export class BatchWriter {
  readonly meters: MeterInsert[] = [];
  readonly packages: PackageWrite[] = [];
  readonly items: ItemInsert[] = [];
  readonly statements: Statement[] = [];
  readonly records: LogRecordWrite[] = [];
  /** Idempotent answers (not ledger state: a cache of answers, live only). */
  readonly answers: IdempotentWrite[] = [];

  constructor(readonly mode: WriteMode) {}

  get live(): boolean {
    return this.mode === 'live';
  }

  /** Send everything, in dependency order: meters, packages, items, the rest in order, log records, answers. */
  async flush(tx: SqlRunner): Promise<void> {
    if (this.meters.length) await this.flushMeters(tx);
    if (this.packages.length) await this.flushPackages(tx);
    if (this.items.length) await this.flushItems(tx);
    for (const s of this.statements) {
      const r = await tx.query(s.sql, s.params as unknown[]);
      if (this.live && s.expectRows !== undefined && r.rowCount !== s.expectRows) conflict(s.what ?? 'a row changed concurrently');
    }
    if (this.records.length) await insertLogRecords(tx, this.records);
    if (this.answers.length) await this.flushAnswers(tx);
  }

  private async flushMeters(tx: SqlRunner): Promise<void> {
    const m = this.meters;
    const r = await tx.query(
      `INSERT INTO postal.meters (meter_id, cert_serial, certificate_pem, package, package_version, licensing_zip, created_at, updated_at)
       SELECT meter_id, cert_serial, certificate_pem, package, package_version, licensing_zip, at, at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::bigint[], $6::text[], $7::timestamptz[])
         AS v(meter_id, cert_serial, certificate_pem, package, package_version, licensing_zip, at)
       ON CONFLICT (meter_id) DO NOTHING`,
      [
        m.map((x) => x.meterId),
        m.map((x) => x.certSerial),
        m.map((x) => x.certificatePem),
        m.map((x) => x.pkg),
        m.map((x) => x.version.toString()),
        m.map((x) => x.licensingZip),
        m.map((x) => x.at),
      ],
    );
    if (this.live && r.rowCount !== m.length) conflict('a provisioned meter already exists');
  }

  private async flushPackages(tx: SqlRunner): Promise<void> {
    const p = this.live ? this.packages : newestPerMeter(this.packages);
    const bytes = packBytes(p.map((x) => x.pkg));
    // Live: compare-and-set on the version read. Replay: a newer version wins, an older one is skipped.
    const guard = this.live ? 'm.package_version = v.from_version' : 'm.package_version < v.to_version';
    const r = await tx.query(
      `UPDATE postal.meters m SET package = substring($3::bytea FROM v.b_start FOR v.b_len), package_version = v.to_version, updated_at = v.at
       FROM unnest($1::uuid[], $2::bigint[], $4::int[], $5::int[], $6::bigint[], $7::timestamptz[]) AS v(meter_id, from_version, b_start, b_len, to_version, at)
       WHERE m.meter_id = v.meter_id AND ${guard}`,
      [
        p.map((x) => x.meterId),
        p.map((x) => x.fromVersion.toString()),
        bytes.blob,
        bytes.starts,
        bytes.lengths,
        p.map((x) => x.toVersion.toString()),
        p.map((x) => x.at),
      ],
    );
    if (this.live && r.rowCount !== p.length) conflict('a meter changed concurrently; the batch was not applied');
  }

  private async flushItems(tx: SqlRunner): Promise<void> {
    const i = this.items;
    const bytes = packBytes(i.map((x) => x.itemBytes));
    const r = await tx.query(
      `INSERT INTO postal.items (item_id, meter_id, item_serial, kind, amount_mills, item_bytes, created_at)
       SELECT item_id, meter_id, item_serial, kind, amount_mills, substring($6::bytea FROM b_start FOR b_len), at
       FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::bigint[], $7::int[], $8::int[], $9::timestamptz[])
         AS v(item_id, meter_id, item_serial, kind, amount_mills, b_start, b_len, at)
       ON CONFLICT DO NOTHING`,
      [
        i.map((x) => x.itemId),
        i.map((x) => x.meterId),
        i.map((x) => x.itemSerial.toString()),
        i.map((x) => x.kind),
        i.map((x) => x.amountMills.toString()),
        bytes.blob,
        bytes.starts,
        bytes.lengths,
        i.map((x) => x.at),
      ],
    );
    if (this.live && r.rowCount !== i.length) await itemClash(tx, i);
  }

  private async flushAnswers(tx: SqlRunner): Promise<void> {
    const a = this.answers;
    const r = await tx.query(
      `INSERT INTO postal.idempotency (scope, idem_key, request_sha256, status_code, response)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::int[], $5::jsonb[]) ON CONFLICT DO NOTHING`,
      [a.map((x) => x.scope), a.map((x) => x.key), a.map((x) => x.requestSha256), a.map((x) => x.statusCode), a.map((x) => x.response)],
    );
    if (r.rowCount !== a.length) conflict('a concurrent request with the same Idempotency-Key won');
  }
}

/**
 * An item the module just issued clashes with one already stored. Its serial repeating for the meter
 * means the package it was issued from is older than the meter's items (a row put back): say so, so
 * the server rolls the meter forward instead of retrying on the stale package.
 */
async function itemClash(tx: SqlRunner, items: readonly ItemInsert[]): Promise<never> {
  const r = await tx.query(
    `SELECT v.meter_id AS "meterId", v.item_serial::text AS "itemSerial"
       FROM unnest($1::uuid[], $2::bigint[]) AS v(meter_id, item_serial) JOIN postal.items it USING (meter_id, item_serial) LIMIT 1`,
    [items.map((x) => x.meterId), items.map((x) => x.itemSerial.toString())],
  );
  const clash = r.rows[0] as { meterId: string; itemSerial: string } | undefined;
  if (!clash) conflict('an item with the same id already exists');
  throw new VaultError(
    'package_stale',
    `meter ${clash.meterId}: item serial ${clash.itemSerial} was issued before; the stored package is older than the meter's items`,
    {
      meterId: clash.meterId,
      version: 'unknown',
      knownVersion: 'unknown',
    },
  );
}

function newestPerMeter(p: readonly PackageWrite[]): PackageWrite[] {
  const newest = new Map<string, PackageWrite>();
  for (const w of p) {
    const seen = newest.get(w.meterId);
    if (!seen || seen.toVersion < w.toVersion) newest.set(w.meterId, w);
  }
  return [...newest.values()];
}

function conflict(what: string): never {
  throw new VaultError('conflict', what);
}
