import { type Db, pgArray } from '../db/index.js';
import { LEDGER_BALANCES_SQL } from '../inventory/index.js';
import { TRANSITIONS } from '../orders/index.js';
import { bumpOpsCounter } from '../shared/metrics.js';

export interface Violation {
  invariant: number;
  name: string;
  subject: string;
  message: string;
  details: Record<string, unknown>;
}

export interface AuditReport {
  ok: boolean;
  checked: { products: number; orders: number };
  violations: Violation[];
}

const ALLOWED_PAIRS = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));

/**
 * Invariant 1, the products with a negative stock counter. The CHECK constraints on inventory
 * forbid them, so with constraint_exclusion on the planner proves it empty without a scan
 * (`shopctl top` runs it every second that way); the audit runs it as written.
 */
export const NO_OVERSELL_SQL = `SELECT product_id, available_count, reserved_count, sold_count FROM inventory
           WHERE available_count < 0 OR reserved_count < 0 OR sold_count < 0`;

/**
 * The order id a stored 201 answer names, as a uuid (NULL when it is not one, which NOT EXISTS then
 * reports). Compared as uuid it probes orders_pkey per key; compared as text (`o.id::text`) it hashed
 * every order in the store, 0.4 s at 1M orders, on each watchdog run.
 */
const STORED_ORDER_ID = `CASE WHEN k.response_body->>'order_id' ~ '^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'
                               THEN (k.response_body->>'order_id')::uuid END`;

interface Check {
  invariant: number;
  name: string;
  /**
   * The query; an order's check takes `orders`, the SQL condition on an order id (`o.id`, say)
   * that picks the orders it covers: every order, or those whose history moved lately.
   */
  sql: string | ((orders: (id: string) => string) => string);
  bindings?: unknown[];
  describe(row: Record<string, unknown>): { subject: string; message: string };
}

/**
 * The invariants of DESIGN.md, each one set-based query over the whole store that returns the
 * offending rows (none when healthy). Used by tests, `shopctl audit oversell` and the load test.
 */
const CHECKS: Check[] = [
  {
    invariant: 1,
    name: 'no_oversell',
    sql: NO_OVERSELL_SQL,
    describe: (r) => ({ subject: `product ${r.product_id}`, message: 'a stock counter is negative' }),
  },
  {
    invariant: 2,
    name: 'conservation',
    sql: `SELECT i.product_id, i.available_count, i.reserved_count, i.sold_count,
                 coalesce(l.total, 0) AS ledger_total, coalesce(l.reserved, 0) AS ledger_reserved,
                 coalesce(l.sold, 0) AS ledger_sold
            FROM inventory i
            LEFT JOIN (${LEDGER_BALANCES_SQL}) l ON l.product_id = i.product_id
           WHERE i.available_count + i.reserved_count + i.sold_count <> coalesce(l.total, 0)
              OR i.reserved_count <> coalesce(l.reserved, 0)
              OR i.sold_count <> coalesce(l.sold, 0)`,
    describe: (r) => ({
      subject: `product ${r.product_id}`,
      message: `counters (available ${r.available_count} + reserved ${r.reserved_count} + sold ${r.sold_count}) disagree with the ledger (total ${r.ledger_total}, reserved ${r.ledger_reserved}, sold ${r.ledger_sold})`,
    }),
  },
  {
    invariant: 3,
    name: 'reserved_matches_reservations',
    sql: `SELECT i.product_id, i.reserved_count, coalesce(r.active, 0) AS active_reservations
            FROM inventory i
            LEFT JOIN (SELECT product_id, sum(quantity) AS active FROM reservations
                        WHERE state = 'ACTIVE' GROUP BY product_id) r ON r.product_id = i.product_id
           WHERE i.reserved_count <> coalesce(r.active, 0)`,
    describe: (r) => ({
      subject: `product ${r.product_id}`,
      message: `reserved_count ${r.reserved_count} but ACTIVE reservations hold ${r.active_reservations}`,
    }),
  },
  {
    invariant: 3,
    name: 'active_reservation_has_pending_order',
    sql: `SELECT r.id, r.order_id, o.status FROM reservations r JOIN orders o ON o.id = r.order_id
           WHERE r.state = 'ACTIVE' AND o.status <> 'PENDING'`,
    describe: (r) => ({
      subject: `reservation ${r.id}`,
      message: `ACTIVE but its order ${r.order_id} is ${r.status}`,
    }),
  },
  {
    invariant: 4,
    name: 'order_total',
    sql: (
      orders,
    ) => `SELECT o.id, o.total_cents, coalesce(sum(i.quantity::bigint * i.price_at_purchase_cents), 0) AS items_total
            FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
           WHERE ${orders('o.id')}
           GROUP BY o.id HAVING o.total_cents <> coalesce(sum(i.quantity::bigint * i.price_at_purchase_cents), 0)`,
    describe: (r) => ({
      subject: `order ${r.id}`,
      message: `total ${r.total_cents} but items add up to ${r.items_total}`,
    }),
  },
  {
    invariant: 5,
    name: 'one_order_per_idempotency_key',
    sql: (orders) => `SELECT user_id, idempotency_key, count(*) AS orders FROM orders
           WHERE (user_id, idempotency_key) IN (SELECT o.user_id, o.idempotency_key FROM orders o
                                                  WHERE o.idempotency_key IS NOT NULL AND ${orders('o.id')})
           GROUP BY user_id, idempotency_key HAVING count(*) > 1`,
    describe: (r) => ({
      subject: `key ${r.idempotency_key}`,
      message: `${r.orders} orders for one Idempotency-Key`,
    }),
  },
  {
    invariant: 5,
    name: 'replay_points_at_its_order',
    sql: `SELECT k.user_id, k.key, k.response_body->>'order_id' AS order_id FROM idempotency_keys k
           WHERE k.response_status = 201 AND NOT EXISTS (
             SELECT 1 FROM orders o WHERE o.id = ${STORED_ORDER_ID}
               AND o.user_id = k.user_id AND o.idempotency_key = k.key)`,
    describe: (r) => ({
      subject: `key ${r.key}`,
      message: `stored answer names order ${r.order_id}, which is not this key's order`,
    }),
  },
  {
    invariant: 6,
    name: 'status_history_valid',
    sql: (orders) => `WITH h AS (
            SELECT order_id, from_status, to_status,
                   lag(to_status) OVER (PARTITION BY order_id ORDER BY id) AS prev_to,
                   row_number() OVER (PARTITION BY order_id ORDER BY id) AS n,
                   row_number() OVER (PARTITION BY order_id ORDER BY id DESC) AS n_desc
              FROM order_status_history WHERE ${orders('order_id')})
          SELECT o.id, o.status, h.from_status, h.to_status, h.n
            FROM orders o LEFT JOIN h ON h.order_id = o.id
           WHERE ${orders('o.id')} AND (h.order_id IS NULL
              OR (h.n = 1 AND (h.from_status IS NOT NULL OR h.to_status <> 'PENDING'))
              OR (h.n > 1 AND (h.from_status IS DISTINCT FROM h.prev_to
                               OR NOT (h.from_status || '>' || h.to_status = ANY(?::text[]))))
              OR (h.n_desc = 1 AND h.to_status <> o.status))`,
    bindings: [ALLOWED_PAIRS],
    describe: (r) => ({
      subject: `order ${r.id}`,
      message:
        r.from_status === undefined || r.to_status === null
          ? `status ${r.status} has no history`
          : `history step ${r.n} (${r.from_status ?? 'new'} → ${r.to_status}) does not follow the state machine to ${r.status}`,
    }),
  },
];

/** Where the watchdog's last incremental audit stopped in order_status_history (ops_counters). */
const HISTORY_SEEN = 'audit_history_seen';

export interface AuditOptions {
  limitPerCheck?: number;
  /**
   * Order checks cover only the orders whose history moved since the last incremental audit (the
   * watchdog's), then the mark moves on; stock checks always cover every product. Every order's
   * status change writes a history row, so a fault in an order shows up in its own next audit,
   * and the audit's cost follows the store's traffic, not the years of orders it keeps: the whole
   * history (4M rows at 1M orders) read every five minutes took seconds of both cores, from a
   * flash sale as much as from anything. Without it, every order (`shopctl audit`, tests).
   */
  incremental?: boolean;
}

export async function checkInvariants(
  db: Db,
  { limitPerCheck = 100, incremental = false }: AuditOptions = {},
): Promise<AuditReport> {
  const found = new Map<Check, Violation[]>(CHECKS.map((c) => [c, []]));
  const run = (checks: Check[], orders: (id: string) => string) =>
    Promise.all(
      checks.map(async (check) => {
        const seen = found.get(check)!;
        if (seen.length >= limitPerCheck) return;
        const sql = typeof check.sql === 'string' ? check.sql : check.sql(orders);
        const { rows } = await db.raw<{ rows: Record<string, unknown>[] }>(
          `${sql} LIMIT ${limitPerCheck - seen.length}`,
          (check.bindings ?? []).map((b) => (Array.isArray(b) ? pgArray(b) : (b as string))),
        );
        for (const row of rows) {
          seen.push({ invariant: check.invariant, name: check.name, ...check.describe(row), details: row });
        }
      }),
    );
  const countOrders = async (orders: (id: string) => string) => {
    const { rows } = await db.raw<{ rows: { n: number }[] }>(
      `SELECT count(*)::int AS n FROM orders o WHERE ${orders('o.id')}`,
    );
    return Number(rows[0]?.n ?? 0);
  };
  let checkedOrders = 0;
  const scope = incremental ? await historySince(db) : null;
  if (!scope) {
    await run(CHECKS, () => 'true');
    checkedOrders = await countOrders(() => 'true');
  } else {
    // Stock checks whole; order checks on the orders that moved, a chunk at a time, each order
    // read through its primary key. As one `IN (subquery)` the planner hashed the whole orders table
    // for every check (seconds of both cores at 1M orders, every five minutes, in a sale or not).
    const byOrder = (c: Check) => typeof c.sql !== 'string';
    await run(
      CHECKS.filter((c) => !byOrder(c)),
      () => 'true',
    );
    // One query at a time: the watchdog is background work and takes one core, not both.
    const moved = await movedOrders(db, scope);
    for (let i = 0; i < moved.length; i += AUDIT_CHUNK) {
      const inChunk = (id: string) => `${id} = ANY('{${moved.slice(i, i + AUDIT_CHUNK).join(',')}}'::uuid[])`;
      for (const check of CHECKS.filter(byOrder)) await run([check], inChunk);
      checkedOrders += await countOrders(inChunk);
    }
  }
  const violations = [...found.values()].flat();
  const { rows } = await db.raw<{ rows: { products: number }[] }>(
    'SELECT count(*)::int AS products FROM inventory',
  );
  // Shared with every process (service audits, shopctl, cron) and exposed as shop_oversell_incidents_total.
  if (violations.length) await bumpOpsCounter(db, 'oversell_incidents', violations.length);
  if (scope) await bumpOpsCounter(db, HISTORY_SEEN, scope.to, 'set');
  return {
    ok: violations.length === 0,
    checked: { products: Number(rows[0]?.products ?? 0), orders: checkedOrders },
    violations,
  };
}

/** Orders an incremental audit checks per round of queries. */
const AUDIT_CHUNK = 2_000;

/** The ids of the orders with history rows in the scope. */
async function movedOrders(db: Db, scope: { from: number; to: number }): Promise<string[]> {
  const { rows }: { rows: { order_id: string }[] } = await db.raw(
    'SELECT DISTINCT order_id FROM order_status_history WHERE id > ? AND id <= ?',
    [scope.from, scope.to],
  );
  return rows.map((r) => r.order_id);
}

/**
 * Moves the incremental audit's mark to the newest history row: what is behind it was audited
 * (a store restored from an audited backup; a load test's generated years of orders).
 */
export async function markHistoryAudited(db: Db): Promise<void> {
  const { rows } = await db.raw<{ rows: { id: string | null }[] }>(
    'SELECT max(id) AS id FROM order_status_history',
  );
  await bumpOpsCounter(db, HISTORY_SEEN, Number(rows[0]?.id ?? 0), 'set');
}

/**
 * The history rows an incremental audit covers: after the last one's mark, up to the newest row
 * written over a minute ago. A transaction still open may hold a lower id than rows already
 * committed; stopping a minute back leaves it to commit before the mark passes it.
 */
async function historySince(db: Db): Promise<{ from: number; to: number }> {
  const { rows } = await db.raw<{ rows: { from: string; to: string | null }[] }>(
    `WITH seen AS (SELECT coalesce((SELECT value FROM ops_counters WHERE name = ?), 0) AS id)
     SELECT seen.id AS from,
            (SELECT max(h.id) FROM order_status_history h
              WHERE h.id > seen.id AND h.created_at < now() - interval '1 minute') AS to
       FROM seen`,
    [HISTORY_SEEN],
  );
  const from = Number(rows[0]?.from ?? 0);
  const to = rows[0]?.to;
  return { from, to: to == null ? from : Number(to) };
}
