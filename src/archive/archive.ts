import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { deleteConvertedCarts } from '../cart/index.js';
import { forgetOrderKeys } from '../checkout/index.js';
import { type Db, pgArray, withTryAdvisoryLock } from '../db/index.js';
import type { RetentionRule } from '../db/retention.js';
import { deleteOrderNotifications } from '../notifications/index.js';
import { ORDER_STATUSES, type OrderStatus, TRANSITIONS } from '../orders/index.js';
import { DomainError } from '../shared/errors.js';
import {
  ARCHIVE_FORMAT,
  type ArchivedOrder,
  type OpenSink,
  openFileSink,
  readArchiveLines,
  verifyArchiveFile,
  type WrittenFile,
  writeArchiveFile,
  writeDurably,
} from './archive-file.js';

/**
 * Orders past ORDER_RETENTION leave the live tables: archived first (`archive-file.ts`), then
 * removed in short batches.
 *
 * Which orders: those whose status can no longer move (DELIVERED, PAYMENT_FAILED, CANCELLED) and
 * EXPIRED ones, which move again only when a charge that was waiting for an answer lands, with no
 * money in flight: no charge or refund waiting for the provider, no payment job still to run
 * (pending or parked in the outbox), nothing charged and not refunded unless it was delivered,
 * no ACTIVE reservation and no shipment still on its way. Anything else stays live, whatever its age.
 *
 * Never lost: every month's file is written, fsynced and read back (checksum, order count, the
 * same ids) before the first order is deleted; any failure before that deletes nothing. The
 * delete takes each batch's orders with FOR UPDATE SKIP LOCKED (an order a payment or a person is
 * touching right now is left for the next run) and only those that are still archivable, so an
 * order deleted is always one whose final state is in the file. Their items, history, payments,
 * reservations and shipment go with them (ON DELETE CASCADE), and in the same transaction their
 * notifications, a converted cart and a leftover Idempotency-Key.
 *
 * Measured (the data-lifecycle section of CONTEXT.md): batches of 1,000 orders take tens of
 * milliseconds each and lock only the rows they delete; what the archive takes from a sale is
 * CPU and I/O, so it paces itself and holds while the store is in one (`pacer`). Partitioning the
 * orders table by month instead was measured and rejected there.
 */

/** Statuses an order may be archived in (see above for EXPIRED). */
export const ARCHIVABLE_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter(
  (s) => TRANSITIONS[s].length === 0 || s === 'EXPIRED',
);

/**
 * The archivable test on the order aliased `o`, with `:archivable_statuses` bound. Payments, the
 * shipment and reservations are read per order as scalar subqueries, which probe their order_id
 * indexes. As NOT EXISTS the planner made anti-joins of them that scanned the whole payments table
 * for every page (growing with the table: 40 ms a page at 100K orders), or intersected every
 * ACTIVE reservation's index entry for each order (0.7 ms an order with 60K of them during a
 * sale). Outbox events keep NOT EXISTS: the open ones have their own index by aggregate.
 */
const ARCHIVABLE_SQL = `o.status = ANY(:archivable_statuses::text[])
  AND NOT coalesce((
        SELECT bool_or(p.state IN ('pending', 'requires_action'))
            OR (o.status <> 'DELIVERED' AND sum(CASE WHEN p.state <> 'succeeded' THEN 0
                                                     WHEN p.kind = 'charge' THEN p.amount_cents
                                                     ELSE -p.amount_cents END) > 0)
          FROM payments p WHERE p.order_id = o.id), false)
  AND NOT coalesce((SELECT s.state IN ('pending', 'shipped') FROM shipments s WHERE s.order_id = o.id), false)
  AND NOT coalesce((SELECT bool_or(r.state = 'ACTIVE') FROM reservations r WHERE r.order_id = o.id), false)
  AND NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.aggregate_id = o.id::text AND e.processed_at IS NULL)`;

const archivableBindings = { archivable_statuses: pgArray(ARCHIVABLE_STATUSES) };

/** An order as its archive line holds it: the row and everything that hangs off it. */
const ORDER_DOCUMENT_SQL = `to_jsonb(o) || jsonb_build_object(
    'items', coalesce((SELECT jsonb_agg(to_jsonb(i) - 'order_id' ORDER BY i.product_id)
                         FROM order_items i WHERE i.order_id = o.id), '[]'),
    'status_history', coalesce((SELECT jsonb_agg(to_jsonb(h) - 'order_id' ORDER BY h.id)
                                  FROM order_status_history h WHERE h.order_id = o.id), '[]'),
    'payments', coalesce((SELECT jsonb_agg(to_jsonb(p) - 'order_id' ORDER BY p.created_at, p.id)
                            FROM payments p WHERE p.order_id = o.id), '[]'),
    'reservations', coalesce((SELECT jsonb_agg(to_jsonb(r) - 'order_id' ORDER BY r.created_at, r.id)
                                FROM reservations r WHERE r.order_id = o.id), '[]'),
    'shipment', (SELECT to_jsonb(s) - 'order_id' FROM shipments s WHERE s.order_id = o.id),
    'notifications', coalesce((SELECT jsonb_agg(to_jsonb(n) - 'order_id' ORDER BY n.id)
                                 FROM notifications n WHERE n.order_id = o.id), '[]'))`;

/** Orders read per query while a month's file is written. */
const READ_PAGE = 1_000;

/** What the archive yields to: a store placing orders faster than this is in a sale. */
export interface YieldTo {
  /** Orders placed a second, over the last BUSY_WINDOW_S, above which the store is busy. */
  busyRate: number;
  /**
   * The share of the time the archive works while the store is busy, in [0, 1]. 0 holds: no page
   * is read and no batch deleted until the store has been quiet for BUSY_WINDOW_S.
   */
  busyDuty: number;
}

/**
 * How far back the store's order rate is measured (seconds), and how often it is read while the
 * archive works or rests (ms): a sale that opens is seen within BUSY_CHECK_MS plus one page.
 */
const BUSY_WINDOW_S = 5;
const BUSY_CHECK_MS = 250;

/**
 * Whether the store placed more than `busyRate` orders a second over the last BUSY_WINDOW_S: an
 * index range on orders_created_idx that stops one past the threshold, so that reading it every
 * BUSY_CHECK_MS during a sale costs the same as in a quiet hour.
 */
async function storeIsBusy(db: Db, busyRate: number): Promise<boolean> {
  const threshold = Math.floor(busyRate * BUSY_WINDOW_S);
  const { rows } = await db.raw<{ rows: { n: number }[] }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM orders WHERE created_at > now() - make_interval(secs => :window) LIMIT :cap) recent`,
    { window: BUSY_WINDOW_S, cap: threshold + 1 },
  );
  return Number(rows[0]?.n ?? 0) > threshold;
}

const checkDuty = (duty: number, name: string) => {
  if (!(duty > 0 && duty <= 1)) throw new RangeError(`${name} must be in (0, 1], got ${duty}`);
};

/**
 * Keeps work to a share of the wall clock: each call rests for the time worked since the last one,
 * scaled by (1 − duty) / duty. Work includes what the caller did with the last page (JSON, gzip).
 * With `yieldTo`, the store's order rate is read every BUSY_CHECK_MS, resting included, and while
 * it is above busyRate the share is busyDuty: a sale takes the CPU and the disk back (at 0 the
 * archive holds until the sale is over). A rest that a sale interrupts is lengthened on the spot.
 */
function pacer(db: Db, duty: number, yieldTo?: YieldTo) {
  checkDuty(duty, 'duty');
  // A busy duty of 0 is the one share more: hold.
  if (yieldTo && yieldTo.busyDuty !== 0) checkDuty(yieldTo.busyDuty, 'busy duty');
  let since = performance.now();
  let checkedAt = Number.NEGATIVE_INFINITY;
  let busy = false;
  let busyMs = 0;
  const look = async () => {
    if (!yieldTo || performance.now() - checkedAt < BUSY_CHECK_MS) return;
    busy = await storeIsBusy(db, yieldTo.busyRate);
    checkedAt = performance.now();
  };
  const pace = async () => {
    const worked = performance.now() - since;
    await look();
    if (busy) busyMs += worked;
    let rested = 0;
    for (;;) {
      const share = busy && yieldTo ? yieldTo.busyDuty : duty;
      const owed = share === 0 ? Number.POSITIVE_INFINITY : (worked * (1 - share)) / share - rested;
      if (owed <= 0) break;
      const slice = yieldTo ? Math.min(owed, BUSY_CHECK_MS) : owed;
      await sleep(slice);
      rested += slice;
      if (busy) busyMs += slice;
      await look();
    }
    since = performance.now();
  };
  /** Time worked and rested while the store was busy (ms). */
  pace.busyMs = () => Math.round(busyMs);
  return pace;
}

type Pace = ReturnType<typeof pacer>;

/** One archive run at a time across the fleet (the monthly job and shopctl). */
const ARCHIVE_LOCK_KEY = 0x5340_0002;

export interface ArchiveOptions {
  /** Orders created before this instant. */
  before: Date;
  dir: string;
  /** Orders per delete transaction. */
  batchSize: number;
  /**
   * The share of the wall clock the archive works, in (0, 1]: after each page read or batch
   * deleted it rests in proportion to how long that took (0.25 works a quarter of the time). What
   * it takes from a sale is CPU and I/O, not locks, so it yields them back. Default 1 (no rest).
   */
  duty?: number;
  /** A lower share while the store is busy (a sale): see YieldTo. Without it, `duty` throughout. */
  yieldTo?: YieldTo;
  /** Where the bytes go (tests inject failing or corrupting sinks). */
  openSink?: OpenSink;
  onProgress?: (progress: ArchiveProgress) => void;
}

export interface ArchiveProgress {
  phase: 'writing' | 'deleting';
  done: number;
  /** Writing: the orders created before the date (those still live are not written). Deleting: the orders written. */
  total: number;
}

export interface ManifestFile {
  file: string;
  /** The month of creation, YYYY-MM (UTC). */
  month: string;
  orders: number;
  bytes: number;
  sha256: string;
  ids_sha256: string;
  min_id: string | null;
  max_id: string | null;
  first_created_at: string | null;
  last_created_at: string | null;
  /** Orders removed from the live tables (null until the deletes ran). */
  deleted: number | null;
}

export interface Manifest {
  format: number;
  run: string;
  before: string;
  created_at: string;
  state: 'verified' | 'deleted';
  orders: number;
  deleted: number | null;
  files: ManifestFile[];
}

export interface ArchiveResult {
  manifest: Manifest;
  manifestFile: string | null;
  /** Orders archived but left live: something touched them between the file and the delete. */
  kept: number;
  ms: number;
  /** Of `ms`, the time spent writing and verifying the files (phase one). */
  writeMs: number;
  /** Of `ms`, the time the store was busy and the archive worked at its busy duty. */
  busyMs: number;
}

export class ArchiveRefused extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** The archive could not be written or read back: no order was deleted. */
export class ArchiveNotWritten extends Error {
  override name = 'ArchiveNotWritten';
}

const monthOf = (d: Date) => d.toISOString().slice(0, 7);
const stampOf = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * The months (UTC) with orders created before `before`, with how many each, archivable or not:
 * an index-only scan of orders_created_idx. Counting only the archivable ones tested every order's
 * payments, shipment and reservations at once, unpaced: seconds of a core at 1M orders, before the
 * archive could look at whether the store was busy. Each month's pages test their own orders.
 */
async function candidateMonths(db: Db, before: Date) {
  const { rows } = await db.raw<{ rows: { month: Date; orders: number }[] }>(
    `SELECT date_trunc('month', o.created_at, 'UTC') AS month, count(*)::bigint AS orders
       FROM orders o WHERE o.created_at < :before
      GROUP BY 1 ORDER BY 1`,
    { before },
  );
  return rows.map((r) => ({ month: new Date(r.month), orders: Number(r.orders) }));
}

/** How many orders an archive before `before` would take now. */
export async function countArchivable(db: Db, before: Date): Promise<number> {
  const { rows } = await db.raw<{ rows: { n: number }[] }>(
    `SELECT count(*)::bigint AS n FROM orders o WHERE o.created_at < :before AND ${ARCHIVABLE_SQL}`,
    { before, ...archivableBindings },
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * A month's archivable orders as archive lines, in (created_at, id) order, a page at a time. A page
 * is the next READ_PAGE orders of the month by the (created_at, id) index, whatever their state;
 * the archivable ones among them are then read whole. Filtering in the same query let the planner
 * guess how many would pass, sort the rest of the month and take a page from it, again for every
 * page. JIT is off for these reads: their cost estimates (a subquery per order and table) tipped
 * it into compiling for 330 ms what runs in 60 ms.
 */
async function* monthOrders(
  db: Db,
  from: Date,
  to: Date,
  seen: { first: string | null; last: string | null },
  pace: Pace,
) {
  let after = null as { created_at: string; id: string } | null;
  for (;;) {
    await pace();
    const { page, rows } = await db.transaction(async (trx) => {
      await trx.raw('SET LOCAL jit = off');
      const { rows: page }: { rows: { created_at: string; id: string }[] } = await trx.raw(
        `SELECT o.id, to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at
           FROM orders o
          WHERE ${after ? '(o.created_at, o.id) > (:after_created::timestamptz, :after_id::uuid)' : 'o.created_at >= :from'}
            AND o.created_at < :to
          ORDER BY o.created_at, o.id
          LIMIT :page`,
        { from, to, after_created: after?.created_at ?? null, after_id: after?.id ?? null, page: READ_PAGE },
      );
      if (page.length === 0) return { page, rows: [] };
      const { rows }: { rows: { created_at: string; doc: ArchivedOrder }[] } = await trx.raw(
        `SELECT to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at,
                ${ORDER_DOCUMENT_SQL} AS doc
           FROM orders o
          WHERE o.id = ANY(:ids::uuid[]) AND ${ARCHIVABLE_SQL}
          ORDER BY o.created_at, o.id`,
        { ids: page.map((o) => o.id), ...archivableBindings },
      );
      return { page, rows };
    });
    for (const row of rows) {
      seen.first ??= row.created_at;
      seen.last = row.created_at;
      yield row.doc;
    }
    if (page.length < READ_PAGE) return;
    after = page.at(-1)!;
  }
}

/**
 * Deletes the listed orders that are still archivable, in one short transaction; answers how
 * many went. Rows locked by someone else are skipped (SKIP LOCKED), never waited for.
 */
async function deleteArchived(db: Db, ids: string[]): Promise<number> {
  return db.transaction(async (trx) => {
    const { rows: doomed } = await trx.raw<{
      rows: { id: string; user_id: string; idempotency_key: string | null; cart_id: string | null }[];
    }>(
      `SELECT o.id, o.user_id, o.idempotency_key, o.cart_id FROM orders o
        WHERE o.id = ANY(:ids::uuid[]) AND ${ARCHIVABLE_SQL}
        FOR UPDATE OF o SKIP LOCKED`,
      { ids, ...archivableBindings },
    );
    if (doomed.length === 0) return 0;
    const doomedIds = doomed.map((o) => o.id);
    await deleteOrderNotifications(trx, doomedIds);
    await forgetOrderKeys(trx, doomed);
    // Items, history, payments, reservations and the shipment go by their ON DELETE CASCADE.
    await trx.raw('DELETE FROM orders WHERE id = ANY(?::uuid[])', [doomedIds]);
    await deleteConvertedCarts(
      trx,
      doomed.flatMap((o) => (o.cart_id ? [o.cart_id] : [])),
    );
    return doomed.length;
  });
}

/** A file's order ids, `size` at a time, read back from the verified file itself. */
async function* idBatches(file: string, size: number) {
  let batch: string[] = [];
  for await (const order of readArchiveLines(file)) {
    batch.push(order.id);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Archives every archivable order created before `before` into `dir` and removes it from the live
 * tables. Phase one writes and verifies every month's file and the manifest; phase two deletes,
 * file by file, only the orders read back from the file. A failure in phase one deletes nothing.
 */
export async function archiveOrders(db: Db, options: ArchiveOptions): Promise<ArchiveResult> {
  const started = Date.now();
  const result = await withTryAdvisoryLock(db, ARCHIVE_LOCK_KEY, () => runArchive(db, options, started));
  if (result === null) throw new ArchiveRefused('another order archive is running; try again when it ends');
  return result;
}

async function runArchive(db: Db, options: ArchiveOptions, started: number): Promise<ArchiveResult> {
  const { before, dir, batchSize, openSink = openFileSink, onProgress } = options;
  const pace = pacer(db, options.duty ?? 1, options.yieldTo);
  const now = new Date();
  const run = `${stampOf(now)}-${randomUUID().slice(0, 8)}`;
  const months = await candidateMonths(db, before);
  /** Orders created before the date: the archivable ones among them are written. */
  const total = months.reduce((n, m) => n + m.orders, 0);
  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    run,
    before: before.toISOString(),
    created_at: now.toISOString(),
    state: 'verified',
    orders: 0,
    deleted: null,
    files: [],
  };
  const nothing = () => ({
    manifest,
    manifestFile: null,
    kept: 0,
    ms: Date.now() - started,
    writeMs: Date.now() - started,
    busyMs: pace.busyMs(),
  });
  if (months.length === 0) return nothing();

  const written: WrittenFile[] = [];
  const manifestFile = path.join(dir, `manifest-${run}.json`);
  try {
    await mkdir(dir, { recursive: true });
    let done = 0;
    for (const { month } of months) {
      const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
      const to = next < before ? next : before;
      const file = path.join(dir, `orders-${monthOf(month)}.${run}.jsonl.gz`);
      const seen = { first: null as string | null, last: null as string | null };
      const orders = monthOrders(db, month, to, seen, pace);
      // A month with no archivable order gets no file.
      const first = await orders.next();
      if (first.done) continue;
      const counted = (async function* () {
        yield first.value;
        onProgress?.({ phase: 'writing', done: ++done, total });
        for await (const order of orders) {
          yield order;
          onProgress?.({ phase: 'writing', done: ++done, total });
        }
      })();
      const w = await writeArchiveFile(file, counted, openSink);
      await verifyArchiveFile(w, pace);
      written.push(w);
      manifest.files.push({
        file: path.basename(file),
        month: monthOf(month),
        orders: w.orders,
        bytes: w.bytes,
        sha256: w.sha256,
        ids_sha256: w.idsSha256,
        min_id: w.minId,
        max_id: w.maxId,
        first_created_at: seen.first,
        last_created_at: seen.last,
        deleted: null,
      });
    }
    if (written.length === 0) return nothing();
    manifest.orders = written.reduce((n, w) => n + w.orders, 0);
    await writeDurably(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (err) {
    throw new ArchiveNotWritten(
      `the archive could not be written or verified, so no order was deleted: ${(err as Error).message}`,
      { cause: err },
    );
  }

  // Phase two: every file is on disk and checked; only now may orders leave.
  const writeMs = Date.now() - started;
  let deleted = 0;
  for (const [i, w] of written.entries()) {
    let fromFile = 0;
    for await (const ids of idBatches(w.file, batchSize)) {
      await pace();
      fromFile += await deleteArchived(db, ids);
      onProgress?.({ phase: 'deleting', done: deleted + fromFile, total: manifest.orders });
    }
    manifest.files[i]!.deleted = fromFile;
    deleted += fromFile;
  }
  manifest.deleted = deleted;
  manifest.state = 'deleted';
  await writeDurably(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    manifest,
    manifestFile,
    kept: manifest.orders - deleted,
    ms: Date.now() - started,
    writeMs,
    busyMs: pace.busyMs(),
  };
}

/** The first instant of the month (UTC) `retentionMs` ago: the monthly job archives whole months. */
export function archiveCutoff(retentionMs: number, now = new Date()): Date {
  const edge = new Date(now.getTime() - retentionMs);
  return new Date(Date.UTC(edge.getUTCFullYear(), edge.getUTCMonth(), 1));
}

/** The orders rule, for `shopctl db retention`: archived and removed by the order-archive job. */
export const ordersRetention = (retentionMs: number): RetentionRule => ({
  table: 'orders',
  rule: `finished, created before the month ${Math.round(retentionMs / 31_557_600_000)}y ago (ORDER_RETENTION): archived to ARCHIVE_DIR, then removed (order-archive job, shopctl orders archive)`,
  due: (db) => countArchivable(db, archiveCutoff(retentionMs)),
});

/** The tables whose rows leave with their order (ON DELETE CASCADE, or the archive's transaction). */
export const ORDER_CHILD_TABLES = [
  'order_items',
  'order_status_history',
  'payments',
  'reservations',
  'shipments',
] as const;
