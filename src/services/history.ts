import { HISTORY_EXPORT_PAGE } from '../constants.js';
import { decodeItem } from '../indicium/index.js';
import { historyRepo, type Db, type HistoryFilter, type HistoryItemRow, type HistoryPosition, type ItemFilter, type TransactionRow } from '../store/index.js';

// A meter's history as the API shows it: its items with their status and postal facts, and the
// events that moved its registers. Reads only; pages go newest first by (time, id).

export interface HistoryItem {
  itemId: string;
  kind: string;
  amountMills: string;
  itemSerial: string;
  issuedAt: string;
  /** The date printed on the item (mailing or issue). */
  date: string;
  status: HistoryItemRow['status'];
  refundedAt: string | null;
  rateCategory: string | null;
  rateTable: string | null;
  zone: number | null;
  destinationZip: string | null;
}

export interface Transaction {
  eventId: string;
  kind: TransactionRow['kind'];
  at: string;
  amountMills: string;
  arAfterMills: string;
  drAfterMills: string;
  itemId: string | null;
}

export interface Page<T> {
  rows: T[];
  /** The last row's position when the page is full (there may be more), else null. */
  next: HistoryPosition | null;
}

export function itemView(r: HistoryItemRow): HistoryItem {
  const d = decodeItem(r.itemBytes).data;
  const postage = d.kind === 'postage' ? d.postage : null;
  return {
    itemId: r.itemId,
    kind: r.kind,
    amountMills: r.amountMills.toString(),
    itemSerial: r.itemSerial.toString(),
    issuedAt: r.issuedAt.toISOString(),
    date: d.date,
    status: r.status,
    refundedAt: r.refundedAt?.toISOString() ?? null,
    rateCategory: postage?.rateCategory ?? null,
    rateTable: postage?.rated?.rateTable ?? null,
    zone: postage?.rated?.zone ?? null,
    destinationZip: postage ? postage.destination.slice(0, 5) : null,
  };
}

export function transactionView(r: TransactionRow): Transaction {
  return {
    eventId: r.eventId,
    kind: r.kind,
    at: r.at.toISOString(),
    amountMills: r.amountMills.toString(),
    arAfterMills: r.arAfterMills.toString(),
    drAfterMills: r.drAfterMills.toString(),
    itemId: r.itemId,
  };
}

function pageOf<R extends { position: HistoryPosition }, T>(rows: R[], limit: number, view: (r: R) => T): Page<T> {
  return { rows: rows.map(view), next: rows.length === limit && rows.length > 0 ? rows[rows.length - 1]!.position : null };
}

export async function itemPage(db: Db, f: ItemFilter): Promise<Page<HistoryItem>> {
  return pageOf(await historyRepo.listItems(db, f), f.limit, itemView);
}

export async function transactionPage(db: Db, f: HistoryFilter): Promise<Page<Transaction>> {
  return pageOf(await historyRepo.listTransactions(db, f), f.limit, transactionView);
}

/** Every row from `f.after` on, page by page (an export: the caller has checked how many there are). */
async function* everyRow<F extends HistoryFilter, T>(f: F, page: (f: F) => Promise<Page<T>>): AsyncGenerator<T> {
  let after = f.after;
  do {
    const p = await page({ ...f, after, limit: HISTORY_EXPORT_PAGE });
    yield* p.rows;
    after = p.next;
  } while (after);
}

export const everyItem = (db: Db, f: ItemFilter) => everyRow(f, (g) => itemPage(db, g));
export const everyTransaction = (db: Db, f: HistoryFilter) => everyRow(f, (g) => transactionPage(db, g));

export const countItems = (db: Db, f: ItemFilter, max: number) => historyRepo.countItems(db, f, max);
export const countTransactions = (db: Db, f: HistoryFilter, max: number) => historyRepo.countTransactions(db, f, max);
