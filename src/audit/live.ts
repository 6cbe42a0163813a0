import { type Db, pgArray } from '../db/index.js';
import { NO_OVERSELL_SQL } from './invariants.js';

/**
 * The store's live figures straight from PostgreSQL, for `shopctl top`: a handful of indexed
 * queries a tick, cheap enough to run every second through a 1,000 checkouts/s sale.
 *
 * Flows come from order_status_history, which every order transition writes (creation included):
 * each read counts the rows of the interval since the previous one. The interval ends `settleMs`
 * ago, by the rows' created_at (their transaction's start), so a transaction still committing at
 * the read is counted by a later one rather than missed. The scan starts above the newest id of an
 * interval that ended at least `settleMs` before this one began, so it reads a few seconds of rows
 * through the primary key, never the table. A row inserted, or committed, more than `settleMs`
 * after its transaction began can be missed.
 *
 * Counts that could grow without bound (a stalled worker's backlog, events with no broker) stop
 * at a cap and say so: the age of the oldest tells how bad it is.
 */
export interface LiveOptions {
  settleMs?: number;
  /** Reservations expiring within this many seconds count as "soon". */
  soonSeconds?: number;
  /** How many hot SKUs to report. */
  hotCount?: number;
  /** Hot means most units moved in the ledger over this window. */
  hotWindowMs?: number;
}

export interface LiveHistogram {
  le: number[];
  counts: number[];
  sum: number;
}

/** A busy SKU's stock: available, reserved and sold units. */
export interface HotSku {
  product_id: number;
  sku: string;
  name: string;
  available: number;
  reserved: number;
  sold: number;
  /** Units reserved by checkouts as counted since the first read (which looks back a little). */
  checked_out: number;
}

export interface LiveReading {
  /** When the state was read (database clock). */
  at: Date;
  /** The end of the interval the flow counters cover so far (database clock). */
  flowsUpTo: Date;
  /** Order transitions counted since the first read, by the status entered (CREATED: a new order). */
  transitions: Record<string, number>;
  /** Checkout → PAID in seconds, for the orders paid since the first read. */
  checkoutToPaid: LiveHistogram;
  /** Ages are in seconds, 0 when nothing waits. */
  payments: { backlog: number; backlog_capped: boolean; oldest_seconds: number; parked: number };
  reservations: {
    active: number;
    active_capped: boolean;
    expiring_soon: number;
    soon_seconds: number;
    overdue: number;
    overdue_capped: boolean;
    overdue_oldest_seconds: number;
  };
  events: { unsent: number; unsent_capped: boolean; oldest_seconds: number };
  oversell: { oversold_skus: number; incidents_total: number };
  hot: HotSku[];
}

/** Backlogs and reservations are counted up to this many; events (unbounded without a broker) less. */
const CAP = 10_000;
const EVENTS_CAP = 1_000;
/** On the first read, the hot SKUs come from this many of the newest ledger lines. */
const LEDGER_LOOKBACK = 5_000;
/** At most this many ledger lines a read; a busier second is caught up over the next ones. */
const LEDGER_BATCH = 20_000;
/** Seconds; finer than the service's shop_checkout_to_paid_seconds, for a useful p50 from one second. */
export const PAID_BUCKETS = [
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
  600,
  Number.POSITIVE_INFINITY,
];
// One pass over the interval's paid orders, a cumulative count per bound.
const BUCKETS_SQL = `json_build_array(${PAID_BUCKETS.map((b) =>
  b === Number.POSITIVE_INFINITY ? 'count(*)' : `count(*) FILTER (WHERE s <= ${b})`,
).join(', ')})`;

const FLOW_START_SQL = `
  SELECT (now() - make_interval(secs => :settle))::text AS upto,
         extract(epoch FROM now() - make_interval(secs => :settle))::float8 * 1000 AS upto_ms,
         (SELECT max(id) FROM order_status_history
           WHERE created_at < now() - make_interval(secs => 2 * :settle)) AS next_floor`;

// The rows of [from, upto) by created_at, scanned from `floor` up, and the newest id among them.
const FLOW_SQL = `
  WITH b AS (SELECT now() - make_interval(secs => :settle) AS upto),
  h AS MATERIALIZED (
    SELECT id, order_id, from_status, to_status, created_at FROM order_status_history
     WHERE id > :floor AND created_at >= :from::timestamptz AND created_at < (SELECT upto FROM b)),
  paid AS (
    SELECT extract(epoch FROM h.created_at - (SELECT o.created_at FROM orders o WHERE o.id = h.order_id))::float8 AS s
      FROM h WHERE h.to_status = 'PAID')
  SELECT (SELECT upto FROM b)::text AS upto, extract(epoch FROM (SELECT upto FROM b))::float8 * 1000 AS upto_ms,
         (SELECT max(id) FROM h) AS newest,
         (SELECT coalesce(json_object_agg(k, n), '{}') FROM (
            SELECT CASE WHEN from_status IS NULL THEN 'CREATED' ELSE to_status END AS k, count(*) AS n
              FROM h GROUP BY 1) t) AS transitions,
         (SELECT ${BUCKETS_SQL} FROM paid) AS buckets,
         (SELECT coalesce(sum(s), 0) FROM paid) AS paid_sum`;

const STATE_SQL = `
  SELECT now() AS at,
    (SELECT json_build_object('n', count(*), 'oldest', extract(epoch FROM now() - min(created_at)))
       FROM (SELECT created_at FROM outbox_events
              WHERE topic = 'payment.requested' AND processed_at IS NULL AND failed_at IS NULL
              LIMIT ${CAP}) x) AS payments,
    (SELECT count(*) FROM (SELECT 1 FROM outbox_events WHERE failed_at IS NOT NULL LIMIT ${CAP}) x)::int AS parked,
    (SELECT count(*) FROM (SELECT 1 FROM reservations WHERE state = 'ACTIVE' LIMIT ${CAP}) x)::int AS active,
    (SELECT json_build_object('overdue', count(*) FILTER (WHERE expires_at <= now()),
                              'soon', count(*) FILTER (WHERE expires_at > now()),
                              'first', extract(epoch FROM now() - min(expires_at)))
       FROM (SELECT expires_at FROM reservations
              WHERE state = 'ACTIVE' AND expires_at <= now() + make_interval(secs => :soon)
              ORDER BY expires_at LIMIT ${CAP}) x) AS expiring,
    (SELECT count(*) FROM (SELECT 1 FROM domain_events WHERE published_at IS NULL LIMIT ${EVENTS_CAP}) x)::int
      AS events,
    (SELECT extract(epoch FROM now() - occurred_at) FROM domain_events
      WHERE published_at IS NULL ORDER BY id LIMIT 1)::float AS events_oldest,
    (SELECT count(*) FROM (${NO_OVERSELL_SQL} LIMIT 100) v)::int AS oversold,
    (SELECT value FROM ops_counters WHERE name = 'oversell_incidents') AS incidents`;

const LEDGER_SQL = `
  SELECT max(last) AS last, coalesce(json_agg(json_build_array(product_id, moved, reserved)), '[]') AS moves
    FROM (SELECT product_id, max(id) AS last, sum(abs(quantity))::int AS moved,
                 coalesce(sum(quantity) FILTER (WHERE kind = 'reserved'), 0)::int AS reserved
            FROM (SELECT id, product_id, kind, quantity FROM stock_movements
                   WHERE id > :cursor ORDER BY id LIMIT ${LEDGER_BATCH}) m
           GROUP BY product_id) g`;

const HOT_SQL = `
  SELECT i.product_id, p.sku, p.name, i.available_count AS available, i.reserved_count AS reserved,
         i.sold_count AS sold
    FROM inventory i JOIN products p ON p.id = i.product_id
   WHERE i.product_id = ANY(:ids::bigint[])`;

type Rows<T> = { rows: T[] };

export function createLiveStore(db: Db, options: LiveOptions = {}) {
  const settle = (options.settleMs ?? 1_000) / 1000;
  const soon = options.soonSeconds ?? 60;
  const hotCount = options.hotCount ?? 5;
  const hotWindowMs = options.hotWindowMs ?? 60_000;

  let flow: { floor: number; from: string } | null = null;
  let flowsUpTo = new Date();
  const transitions: Record<string, number> = {};
  const paid: LiveHistogram = { le: PAID_BUCKETS, counts: PAID_BUCKETS.map(() => 0), sum: 0 };
  /**
   * Interval ends, each with the newest id counted up to it. Rows created before `upto − settle`
   * were inserted before `upto`, so the newest id of an interval that ended by then is a floor
   * for the interval starting at `upto`.
   */
  const ends: { upto: number; newest: number }[] = [];

  let ledgerCursor: number | null = null;
  const checkedOut = new Map<number, number>();
  const recent: { at: number; units: Map<number, number> }[] = [];
  let shown: number[] = [];

  async function readFlows() {
    if (!flow) {
      const { rows } = await db.raw<Rows<{ upto: string; upto_ms: number; next_floor: number | null }>>(
        FLOW_START_SQL,
        { settle },
      );
      flow = { floor: rows[0]!.next_floor ?? 0, from: rows[0]!.upto };
      flowsUpTo = new Date(rows[0]!.upto_ms);
      return;
    }
    const { rows } = await db.raw<
      Rows<{
        upto: string;
        upto_ms: number;
        newest: number | null;
        transitions: Record<string, number>;
        buckets: number[];
        paid_sum: number;
      }>
    >(FLOW_SQL, { settle, floor: flow.floor, from: flow.from });
    const r = rows[0]!;
    for (const [status, n] of Object.entries(r.transitions))
      transitions[status] = (transitions[status] ?? 0) + n;
    r.buckets.forEach((c, i) => {
      paid.counts[i]! += c;
    });
    paid.sum += r.paid_sum;
    const upto = r.upto_ms;
    ends.push({ upto, newest: Math.max(r.newest ?? 0, ends.at(-1)?.newest ?? flow.floor) });
    let floor = flow.floor;
    // The interval's bound goes back to the database as text (microseconds); here it is
    // compared in milliseconds, with one to spare.
    while (ends.length && ends[0]!.upto < upto - settle * 1000 - 1) floor = ends.shift()!.newest;
    flow = { floor, from: r.upto };
    flowsUpTo = new Date(upto);
  }

  /**
   * Ranks SKUs by the units their ledger lines moved over the window (checkouts reserve, payments
   * sell, expiries release: a sale's SKU is busy in all three), from the lines since the last read.
   */
  async function readHot(now: number) {
    if (ledgerCursor === null) {
      const top = await db('stock_movements').max('id as id').first();
      ledgerCursor = Math.max(0, Number(top?.id ?? 0) - LEDGER_LOOKBACK);
    }
    const { rows } = await db.raw<Rows<{ last: number | null; moves: [number, number, number][] }>>(
      LEDGER_SQL,
      {
        cursor: ledgerCursor,
      },
    );
    ledgerCursor = rows[0]!.last ?? ledgerCursor;
    const units = new Map<number, number>();
    for (const [id, moved, reserved] of rows[0]!.moves) {
      units.set(Number(id), moved);
      checkedOut.set(Number(id), (checkedOut.get(Number(id)) ?? 0) + reserved);
    }
    recent.push({ at: now, units });
    while (recent.length && recent[0]!.at < now - hotWindowMs) recent.shift();

    const windowed = new Map<number, number>();
    for (const entry of recent)
      for (const [id, n] of entry.units) windowed.set(id, (windowed.get(id) ?? 0) + n);
    // A quiet minute keeps the last SKUs on screen: after a sale, its stock is still the story.
    if (windowed.size) {
      shown = [...windowed]
        .sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .slice(0, hotCount)
        .map(([id]) => id);
    }
    if (!shown.length) return [];
    const { rows: stock } = await db.raw<Rows<Omit<LiveReading['hot'][number], 'checked_out'>>>(HOT_SQL, {
      ids: pgArray(shown),
    });
    const byId = new Map(stock.map((s) => [Number(s.product_id), s]));
    return shown.flatMap((id) => {
      const s = byId.get(id);
      return s ? [{ ...s, product_id: id, checked_out: checkedOut.get(id) ?? 0 }] : [];
    });
  }

  async function read(): Promise<LiveReading> {
    const now = Date.now();
    const [, hot, { rows }] = await Promise.all([
      readFlows(),
      readHot(now),
      db.raw<
        Rows<{
          at: Date;
          payments: { n: number; oldest: number | null };
          parked: number;
          active: number;
          expiring: { overdue: number; soon: number; first: number | null };
          events: number;
          events_oldest: number | null;
          oversold: number;
          incidents: number | null;
        }>
      >(STATE_SQL, { soon }),
    ]);
    const s = rows[0]!;
    return {
      at: s.at,
      flowsUpTo,
      transitions: { ...transitions },
      checkoutToPaid: { le: paid.le, counts: [...paid.counts], sum: paid.sum },
      payments: {
        backlog: s.payments.n,
        backlog_capped: s.payments.n >= CAP,
        oldest_seconds: s.payments.oldest ?? 0,
        parked: s.parked,
      },
      reservations: {
        active: s.active,
        active_capped: s.active >= CAP,
        expiring_soon: s.expiring.soon,
        soon_seconds: soon,
        overdue: s.expiring.overdue,
        overdue_capped: s.expiring.overdue + s.expiring.soon >= CAP,
        overdue_oldest_seconds: s.expiring.overdue > 0 ? (s.expiring.first ?? 0) : 0,
      },
      events: {
        unsent: s.events,
        unsent_capped: s.events >= EVENTS_CAP,
        oldest_seconds: s.events_oldest ?? 0,
      },
      oversell: { oversold_skus: s.oversold, incidents_total: Number(s.incidents ?? 0) },
      hot,
    };
  }

  return { read };
}

export type LiveStore = ReturnType<typeof createLiveStore>;
