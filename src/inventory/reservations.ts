import type { Trx } from '../db/index.js';
import type { SqlPiece } from '../db/pieces.js';
import { ledgerLines, lockStock, type Movement, movementDeltas, updateCounters } from './ledger.js';

/** Thrown when stock read without a lock turned out stale once locked; the caller redoes its transaction lock-first. */
export class StaleStockRead extends Error {
  constructor() {
    super('stock changed since it was read');
  }
}

export interface ReservedLine {
  order_id: string;
  product_id: number;
  quantity: number;
}

export interface StockReservation {
  /** The ACTIVE reservations and their `reserved` ledger lines: CTEs of the caller's one statement. */
  pieces: { reservations: SqlPiece; ledger: SqlPiece };
  /**
   * Moves the units from available to reserved: the transaction's last write, so a hot product's
   * row is held for one statement and the commit.
   */
  take(trx: Trx): Promise<void>;
}

/**
 * Reserving stock for new orders (checkout). The caller allocated `lines` against stock it read,
 * locked (`lockedAlready`) or not: unlocked, the CHECK constraint (available_count >= 0) is the
 * final guard, and a product someone else sold meanwhile throws StaleStockRead. A single row needs
 * no lock statement of its own; several are locked in product_id order first, so no two writers
 * deadlock.
 */
export function reserveStock(
  lines: ReservedLine[],
  opts: { ttlMs: number; actor: string; reason: string; lockedAlready: boolean },
): StockReservation {
  const movements: Movement[] = lines.map((l) => ({
    product_id: l.product_id,
    kind: 'reserved',
    quantity: l.quantity,
    order_id: l.order_id,
    reason: opts.reason,
  }));
  return {
    pieces: {
      reservations: {
        sql: `INSERT INTO reservations (order_id, product_id, quantity, state, expires_at)
       SELECT o, p, q, 'ACTIVE', now() + make_interval(secs => :reservations_ttl_ms / 1000.0)
         FROM unnest(:reservations_order::uuid[], :reservations_product::bigint[], :reservations_quantity::int[]) AS r(o, p, q)`,
        bindings: {
          reservations_ttl_ms: opts.ttlMs,
          reservations_order: lines.map((l) => l.order_id),
          reservations_product: lines.map((l) => l.product_id),
          reservations_quantity: lines.map((l) => l.quantity),
        },
      },
      ledger: ledgerLines(movements, opts.actor),
    },
    async take(trx) {
      const deltas = movementDeltas(movements);
      if (deltas.size === 0) return;
      try {
        if (!opts.lockedAlready && deltas.size > 1) await lockStock(trx, [...deltas.keys()]);
        await updateCounters(trx, deltas);
      } catch (err) {
        // Only the available count going below zero means the unlocked read was stale; any other
        // CHECK failing is a fault, not a reason to redo the batch.
        const { code, constraint } = err as { code?: string; constraint?: string };
        if (!opts.lockedAlready && code === '23514' && constraint === 'inventory_available_nonnegative')
          throw new StaleStockRead();
        throw err;
      }
    },
  };
}

/**
 * Ends the ACTIVE reservations of these orders: RELEASED (the units go back on sale) or CONFIRMED
 * (they become sold). The ledger movements that go with it are the caller's (applyMovements), so
 * one transaction writes both. Caller holds the order locks.
 */
export async function endReservations(
  trx: Trx,
  ends: { orderId: string; state: 'CONFIRMED' | 'RELEASED' }[],
) {
  if (ends.length === 0) return;
  await trx.raw(
    `UPDATE reservations r SET state = e.state, updated_at = now()
       FROM unnest(?::uuid[], ?::text[]) AS e(order_id, state)
      WHERE r.order_id = e.order_id AND r.state = 'ACTIVE'`,
    [ends.map((e) => e.orderId), ends.map((e) => e.state)],
  );
}

/** Reservations taken and confirmed at once: a late payment that found its units again. */
export async function insertConfirmedReservations(
  trx: Trx,
  lines: { order_id: string; product_id: number; quantity: number }[],
) {
  if (lines.length === 0) return;
  await trx.raw(
    `INSERT INTO reservations (order_id, product_id, quantity, state, expires_at)
     SELECT o, p, q, 'CONFIRMED', now() FROM unnest(?::uuid[], ?::bigint[], ?::int[]) AS r(o, p, q)`,
    [lines.map((l) => l.order_id), lines.map((l) => l.product_id), lines.map((l) => l.quantity)],
  );
}

/**
 * The orders the sweeper claims, `?` the limit. The due reservations are read first, on their own
 * and once, and only their orders are looked at. As one semi-join the planner, with statistics
 * taken while no order waited (between two sales), expected one PENDING order and read the
 * product's ACTIVE reservations again for each PENDING order: thousands of each during a sale, a
 * sweep took 0.3–0.4 s of a core (PostgreSQL's slow-query log, 1M orders), and 12 ms with 218
 * PENDING orders. Read once, it grows with the ACTIVE reservations, not with their square.
 */
export const DUE_ORDERS_SQL = `WITH due AS MATERIALIZED (
    SELECT DISTINCT order_id FROM reservations WHERE state = 'ACTIVE' AND expires_at <= now()
  )
  SELECT o.id FROM orders o JOIN due ON due.order_id = o.id
   WHERE o.status = 'PENDING'
   ORDER BY o.created_at, o.id
   LIMIT ?
   FOR UPDATE OF o SKIP LOCKED`;

/**
 * The sweeper's claim: PENDING orders whose reservations ran out, up to `limit` orders per call
 * (oldest first), with when each ran out. SKIP LOCKED lets every process sweep at once without
 * waiting on, or double-releasing, each other; an order being paid right now is skipped and seen
 * next round. The LIMIT sits outside, after SKIP LOCKED, and counts orders: the caller reads
 * "fewer than limit" as "nothing left", which a limit on reservation lines (several per order) or
 * on rows that then turn out locked would break.
 */
export async function lockDueOrders(trx: Trx, limit: number): Promise<{ id: string; expires_at: Date }[]> {
  const { rows } = await trx.raw<{ rows: { id: string }[] }>(DUE_ORDERS_SQL, [limit]);
  if (rows.length === 0) return [];
  const { rows: due } = await trx.raw<{ rows: { id: string; expires_at: Date }[] }>(
    `SELECT order_id AS id, min(expires_at) AS expires_at FROM reservations
      WHERE order_id = ANY(?::uuid[]) AND state = 'ACTIVE' GROUP BY order_id`,
    [rows.map((r) => r.id)],
  );
  return due;
}
