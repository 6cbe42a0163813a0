import { createHash } from 'node:crypto';
import { type Db, pgArray, type Trx } from '../db/index.js';
import type { EventHandler } from '../events/index.js';
import type { OrderService, Shipment } from '../orders/index.js';
import { CARRIERS, canTransition, type OrderStatus } from '../orders/index.js';

/**
 * Who carries a parcel. The local default books instantly and deterministically (the carrier and
 * tracking number follow from the order id); a real carrier's API implements the same call.
 */
export interface FulfillmentProvider {
  book(orderId: string): Promise<Shipment>;
}

export function createLocalFulfillment(): FulfillmentProvider {
  const carriers = Object.keys(CARRIERS);
  return {
    async book(orderId) {
      const digest = createHash('sha256').update(orderId).digest();
      const digits = BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
        .toString()
        .padStart(20, '0')
        .slice(0, 12);
      return { carrier: carriers[digest[8]! % carriers.length]!, tracking_number: `SHOP${digits}` };
    },
  };
}

export interface FulfillmentOptions {
  /** From payment to shipping: the warehouse's time. */
  shipDelayMs: number;
  /** From shipping to delivery. */
  deliverDelayMs: number;
}

/**
 * Orders a shipment is made for: paid, or already moved on by hand (an admin shipped or delivered
 * it before this consumer caught up), which the warehouse then follows.
 */
const SHIPPABLE: readonly OrderStatus[] = ['PAID', 'SHIPPED', 'DELIVERED'];

/**
 * The fulfillment consumer: a paid order gets a shipment; a cancelled one loses its pending
 * shipment. It goes by the order's status in PostgreSQL, not by the event: an event that says more
 * than the order does changes nothing.
 */
export function fulfillmentHandler(
  options: FulfillmentOptions,
): EventHandler<'order.paid' | 'order.cancelled'> {
  return async (trx, events) => {
    const ordersOf = (type: 'order.paid' | 'order.cancelled') =>
      events.filter((e) => e.type === type).map((e) => e.data.order_id);
    const paid = ordersOf('order.paid');
    const cancelled = ordersOf('order.cancelled');
    if (paid.length > 0) {
      await trx.raw(
        `INSERT INTO shipments (order_id, ship_at)
         SELECT id, now() + :delay * interval '1 millisecond' FROM orders
          WHERE id = ANY(:ids::uuid[]) AND status = ANY(:statuses::text[])
         ON CONFLICT (order_id) DO NOTHING`,
        { delay: options.shipDelayMs, ids: paid, statuses: [...SHIPPABLE] },
      );
    }
    if (cancelled.length > 0) {
      await trx('shipments')
        .whereIn(
          'order_id',
          trx('orders').select('id').whereIn('id', cancelled).andWhere({ status: 'CANCELLED' }),
        )
        .andWhere({ state: 'pending' })
        .update({ state: 'cancelled', updated_at: trx.fn.now() });
    }
  };
}

const ACTOR = 'fulfillment';

/** Due shipments in `state` (by `at`), each with its order row, both locked; SKIP LOCKED shares them out. */
const claimDue = (trx: Trx, state: 'pending' | 'shipped', at: 'ship_at' | 'deliver_at', limit: number) =>
  trx('shipments as s')
    .join('orders as o', 'o.id', 's.order_id')
    .where('s.state', state)
    .andWhere(`s.${at}`, '<=', trx.fn.now())
    .orderBy(`s.${at}`)
    .limit(limit)
    .forUpdate('s', 'o')
    .skipLocked()
    .select<{ id: number; order_id: string; status: OrderStatus }[]>('s.id', 's.order_id', 'o.status');

/**
 * One round of the warehouse: due shipments are shipped (their orders move to SHIPPED with their
 * tracking numbers) and shipped ones whose time has come are delivered, set-based, each shipment
 * with its order row locked (SKIP LOCKED: every worker process shares the work, and a cancel in
 * flight is never raced). A shipment whose order is no longer PAID follows it: shipped or delivered
 * by hand (an admin), or cancelled. `full` says a phase found `limit` due: more may wait.
 */
export async function advanceShipments(
  db: Db,
  orders: OrderService,
  provider: FulfillmentProvider,
  options: FulfillmentOptions,
  limit = 100,
) {
  const counts = { shipped: 0, delivered: 0, cancelled: 0, full: false };
  await db.transaction(async (trx: Trx) => {
    const due = await claimDue(trx, 'pending', 'ship_at', limit);
    const booked = new Map<number, Shipment>();
    for (const s of due.filter((d) => canTransition(d.status, 'SHIPPED')))
      booked.set(s.id, await provider.book(s.order_id));
    await orders.shipLocked(
      trx,
      due
        .filter((s) => booked.has(s.id))
        .map((s) => ({ order: { id: s.order_id, status: s.status }, shipment: booked.get(s.id)! })),
      ACTOR,
    );
    const states = due.map((s) => {
      const shipment = booked.get(s.id);
      return {
        id: s.id,
        state: shipment ? 'shipped' : followOrder(s.status),
        carrier: shipment?.carrier ?? null,
        tracking_number: shipment?.tracking_number ?? null,
      };
    });
    await setStates(trx, states, options.deliverDelayMs);
    counts.shipped = booked.size;
    counts.cancelled = states.filter((x) => x.state === 'cancelled').length;
    counts.full = due.length === limit;
  });
  await db.transaction(async (trx: Trx) => {
    const due = await claimDue(trx, 'shipped', 'deliver_at', limit);
    // Delivered by hand meanwhile: only the shipment is left to close.
    const toDeliver = due.filter((s) => canTransition(s.status, 'DELIVERED'));
    await orders.deliverLocked(
      trx,
      toDeliver.map((s) => ({ id: s.order_id, status: s.status })),
      ACTOR,
    );
    await setStates(
      trx,
      due.map((s) => ({ id: s.id, state: 'delivered', carrier: null, tracking_number: null })),
      options.deliverDelayMs,
    );
    counts.delivered = toDeliver.length;
    counts.full ||= due.length === limit;
  });
  return counts;
}

/** The warehouse: rounds of `limit` until nothing is due (what the periodic task and shopctl worker run). */
export async function runWarehouse(
  db: Db,
  orders: OrderService,
  provider: FulfillmentProvider,
  options: FulfillmentOptions,
  limit = 200,
) {
  const total = { shipped: 0, delivered: 0, cancelled: 0 };
  for (;;) {
    const round = await advanceShipments(db, orders, provider, options, limit);
    total.shipped += round.shipped;
    total.delivered += round.delivered;
    total.cancelled += round.cancelled;
    if (!round.full) return total;
  }
}

/** Where a shipment goes when its order moved without it. */
const followOrder = (status: OrderStatus) =>
  status === 'SHIPPED' ? 'shipped' : status === 'DELIVERED' ? 'delivered' : 'cancelled';

/** Moves shipments to their new states in one statement; a newly shipped one gets its delivery time. */
async function setStates(
  trx: Trx,
  rows: { id: number; state: string; carrier: string | null; tracking_number: string | null }[],
  deliverDelayMs: number,
) {
  if (rows.length === 0) return;
  await trx.raw(
    `UPDATE shipments s SET state = c.state, updated_at = now(),
            carrier = coalesce(c.carrier, s.carrier), tracking_number = coalesce(c.tracking_number, s.tracking_number),
            deliver_at = CASE WHEN c.state = 'shipped' THEN now() + ? * interval '1 millisecond' ELSE s.deliver_at END
       FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS c(id, state, carrier, tracking_number)
      WHERE s.id = c.id`,
    [
      deliverDelayMs,
      rows.map((r) => r.id),
      rows.map((r) => r.state),
      pgArray(rows.map((r) => r.carrier)),
      pgArray(rows.map((r) => r.tracking_number)),
    ],
  );
}
