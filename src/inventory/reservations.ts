import type { Trx } from '../db/index.js';
import { applyMovements, lockStock } from './ledger.js';

interface ReservationRow {
  order_id: string;
  product_id: number;
  quantity: number;
}

/**
 * Ends the ACTIVE reservations of these orders: RELEASED puts the units back on sale, CONFIRMED
 * turns them into sold units. Caller holds the order locks; stock rows are locked here in
 * product_id order.
 */
async function settleReservations(
  trx: Trx,
  orderIds: string[],
  outcome: { state: 'RELEASED' | 'CONFIRMED'; kind: 'released' | 'sold'; reason: string },
  actor: string,
) {
  if (orderIds.length === 0) return [];
  const { rows } = await trx.raw<{ rows: ReservationRow[] }>(
    `UPDATE reservations SET state = ?, updated_at = now()
      WHERE order_id = ANY(?::uuid[]) AND state = 'ACTIVE'
      RETURNING order_id, product_id, quantity`,
    [outcome.state, orderIds],
  );
  await lockStock(
    trx,
    rows.map((r) => r.product_id),
  );
  await applyMovements(
    trx,
    rows.map((r) => ({ ...r, kind: outcome.kind, reason: outcome.reason })),
    actor,
  );
  return rows;
}

export const releaseReservations = (trx: Trx, orderIds: string[], reason: string, actor: string) =>
  settleReservations(trx, orderIds, { state: 'RELEASED', kind: 'released', reason }, actor);

export const confirmReservations = (trx: Trx, orderIds: string[], actor: string) =>
  settleReservations(trx, orderIds, { state: 'CONFIRMED', kind: 'sold', reason: 'payment captured' }, actor);

/**
 * A payment landed after the order's reservation was released: take the units again straight into
 * sold if every line still has stock (all or nothing). Returns false when it does not.
 */
export async function reReserveAndSell(trx: Trx, orderId: string, actor: string): Promise<boolean> {
  const items = await trx('order_items as i')
    .join('products as p', 'p.id', 'i.product_id')
    .where({ 'i.order_id': orderId })
    .select<(ReservationRow & { active: boolean })[]>('i.order_id', 'i.product_id', 'i.quantity', 'p.active');
  // A product taken off sale meanwhile is not sold again, even to a paying customer.
  if (items.some((i) => !i.active)) return false;
  const stock = await lockStock(
    trx,
    items.map((i) => i.product_id),
  );
  if (items.some((i) => (stock.get(i.product_id)?.available_count ?? 0) < i.quantity)) return false;
  await trx('reservations').insert(
    items.map((i) => ({
      order_id: orderId,
      product_id: i.product_id,
      quantity: i.quantity,
      state: 'CONFIRMED',
      expires_at: trx.fn.now(),
    })),
  );
  await applyMovements(
    trx,
    items.flatMap((i) => [
      { ...i, kind: 'reserved' as const, reason: 'late payment' },
      { ...i, kind: 'sold' as const, reason: 'late payment' },
    ]),
    actor,
  );
  return true;
}

/** A paid order cancelled before shipping: its units go from sold back to available. */
export async function restockOrder(trx: Trx, orderId: string, actor: string) {
  const items = await trx('reservations')
    .where({ order_id: orderId, state: 'CONFIRMED' })
    .select<ReservationRow[]>('order_id', 'product_id', 'quantity');
  await lockStock(
    trx,
    items.map((i) => i.product_id),
  );
  await applyMovements(
    trx,
    items.map((i) => ({ ...i, kind: 'restocked' as const, reason: 'order cancelled' })),
    actor,
  );
  return items;
}

/**
 * The sweeper's claim: PENDING orders whose reservations ran out, up to `limit` orders per call
 * (oldest first), with when each ran out. SKIP LOCKED lets every process sweep at once without
 * waiting on, or double-releasing, each other; an order being paid right now is skipped and seen
 * next round. The LIMIT sits outside, after SKIP LOCKED, and counts orders: the caller reads
 * "fewer than limit" as "nothing left", which a limit on reservation lines (several per order) or
 * on rows that then turn out locked would break.
 */
export async function lockDueOrders(trx: Trx, limit: number): Promise<{ id: string; expires_at: Date }[]> {
  const { rows } = await trx.raw<{ rows: { id: string }[] }>(
    `SELECT o.id FROM orders o
      WHERE o.status = 'PENDING'
        AND o.id IN (SELECT order_id FROM reservations WHERE state = 'ACTIVE' AND expires_at <= now())
      ORDER BY o.created_at, o.id
      LIMIT ?
      FOR UPDATE OF o SKIP LOCKED`,
    [limit],
  );
  if (rows.length === 0) return [];
  const { rows: due } = await trx.raw<{ rows: { id: string; expires_at: Date }[] }>(
    `SELECT order_id AS id, min(expires_at) AS expires_at FROM reservations
      WHERE order_id = ANY(?::uuid[]) AND state = 'ACTIVE' GROUP BY order_id`,
    [rows.map((r) => r.id)],
  );
  return due;
}
