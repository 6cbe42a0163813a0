import { createHash } from 'node:crypto';
import type { Db, Trx } from '../db/index.js';
import type { EventHandler } from '../events/consumer.js';
import { CARRIERS } from '../orders/schemas.js';
import type { OrderService, Shipment } from '../orders/service.js';

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

/** The fulfillment consumer: a paid order gets a shipment; a cancelled one loses its pending shipment. */
export function fulfillmentHandler(options: FulfillmentOptions): EventHandler {
  return async (trx, event) => {
    const orderId = String(event.data.order_id ?? '');
    if (!/^[0-9a-f-]{36}$/i.test(orderId)) throw new Error(`${event.type} without an order id`);
    if (event.type === 'order.paid') {
      await trx('shipments')
        .insert({
          order_id: orderId,
          ship_at: trx.raw(`now() + ? * interval '1 millisecond'`, [options.shipDelayMs]),
        })
        .onConflict('order_id')
        .ignore();
    } else if (event.type === 'order.cancelled') {
      await trx('shipments')
        .where({ order_id: orderId, state: 'pending' })
        .update({ state: 'cancelled', updated_at: trx.fn.now() });
    }
  };
}

const ACTOR = 'fulfillment';

/**
 * One round of the warehouse: due shipments are shipped (the order moves to SHIPPED with its
 * tracking number) and shipped ones whose time has come are delivered, each with its order in one
 * transaction; SKIP LOCKED lets every worker process share the work. A shipment whose order is no
 * longer PAID (cancelled and refunded meanwhile) is cancelled instead.
 */
export async function advanceShipments(
  db: Db,
  orders: OrderService,
  provider: FulfillmentProvider,
  options: FulfillmentOptions,
  limit = 100,
) {
  const counts = { shipped: 0, delivered: 0, cancelled: 0 };
  await db.transaction(async (trx: Trx) => {
    const due = await trx('shipments as s')
      .join('orders as o', 'o.id', 's.order_id')
      .where('s.state', 'pending')
      .andWhere('s.ship_at', '<=', trx.fn.now())
      .orderBy('s.ship_at')
      .limit(limit)
      .forUpdate('s')
      .skipLocked()
      .select<{ id: number; order_id: string; status: string }[]>('s.id', 's.order_id', 'o.status');
    for (const s of due) {
      if (s.status !== 'PAID') {
        // Shipped by hand meanwhile (an admin), or cancelled: the shipment follows the order.
        const state =
          s.status === 'SHIPPED' || s.status === 'DELIVERED' ? s.status.toLowerCase() : 'cancelled';
        await trx('shipments').where({ id: s.id }).update({ state, updated_at: trx.fn.now() });
        if (state === 'cancelled') counts.cancelled++;
        continue;
      }
      const shipment = await provider.book(s.order_id);
      await orders.shipIn(trx, s.order_id, shipment, ACTOR);
      await trx('shipments')
        .where({ id: s.id })
        .update({
          ...shipment,
          state: 'shipped',
          deliver_at: trx.raw(`now() + ? * interval '1 millisecond'`, [options.deliverDelayMs]),
          updated_at: trx.fn.now(),
        });
      counts.shipped++;
    }
  });
  await db.transaction(async (trx: Trx) => {
    const due = await trx('shipments as s')
      .join('orders as o', 'o.id', 's.order_id')
      .where('s.state', 'shipped')
      .andWhere('s.deliver_at', '<=', trx.fn.now())
      .orderBy('s.deliver_at')
      .limit(limit)
      .forUpdate('s')
      .skipLocked()
      .select<{ id: number; order_id: string; status: string }[]>('s.id', 's.order_id', 'o.status');
    for (const s of due) {
      // Delivered by hand meanwhile: only the shipment is left to close.
      if (s.status === 'SHIPPED') await orders.deliverIn(trx, s.order_id, ACTOR);
      await trx('shipments').where({ id: s.id }).update({ state: 'delivered', updated_at: trx.fn.now() });
      counts.delivered++;
    }
  });
  return counts;
}
