import { recordAdminChanges } from '../audit-log/index.js';
import type { Db, Trx } from '../db/index.js';
import { DomainError } from '../shared/errors.js';
import type { Metrics } from '../shared/metrics.js';
import { type Actor, actorName, type CancelInput } from './actor.js';
import * as q from './queries.js';
import { trackingUrl } from './schemas.js';
import { assertTransition, type OrderStatus, recordTransitions } from './state-machine.js';

export type OrderService = ReturnType<typeof createOrderService>;

/** Decline codes that describe a fraud check, not the customer's card (Stripe's advice: do not show them). */
const FRAUD_DECLINES = new Set([
  'fraudulent',
  'lost_card',
  'stolen_card',
  'pickup_card',
  'restricted_card',
  'merchant_blacklist',
  'security_violation',
]);

/**
 * A decline code as the customer reads it: telling a fraudster which check caught them helps the
 * next try, so a fraud check reads as a plain decline. Admins read the provider's code.
 */
const customerDecline = (code: string | null) =>
  code !== null && FRAUD_DECLINES.has(code) ? 'card_declined' : code;

/**
 * What ends an order for its actor: settlement, which decides and writes the moves through
 * `recordTransitions`, so it sits above orders and the container hands it in.
 */
export interface OrderSettlement {
  settle(input: CancelInput): Promise<unknown>;
}

export interface Shipment {
  carrier: string;
  tracking_number: string;
}

/** Customers' own moves are in the status history; an admin's also land in the admin audit log. */
function auditIfAdmin(
  trx: Trx,
  actor: Actor,
  order: { id: string; status: OrderStatus },
  to: OrderStatus,
  extra: { reason?: string; after?: Record<string, unknown> } = {},
) {
  if (actor.role !== 'admin') return;
  return recordAdminChanges(trx, [
    {
      actor: actorName(actor),
      action: `order.${to.toLowerCase()}`,
      subjectType: 'order',
      subjectId: order.id,
      before: { status: order.status },
      after: { status: to, ...extra.after },
      reason: extra.reason ?? null,
    },
  ]);
}

export function createOrderService({
  db,
  settlement,
  metrics,
}: {
  db: Db;
  settlement: OrderSettlement;
  metrics: Metrics;
}) {
  async function lockOwned(trx: Trx, orderId: string, actor: Actor) {
    const order = await q.lockOrder(trx, orderId);
    if (!order || (actor.role !== 'admin' && order.user_id !== actor.userId)) {
      throw new DomainError('not_found', 'Order not found', { order_id: orderId });
    }
    return order;
  }

  /**
   * PAID → SHIPPED through the state machine, with each order's carrier and tracking number, for
   * orders the caller has locked; set-based, so a warehouse round of 200 is a few statements. The
   * tracking number is on the order before its history row, so the order.shipped event carries it.
   */
  async function markShipped(
    trx: Trx,
    items: { order: { id: string; status: OrderStatus }; shipment: Shipment }[],
    actor: string,
  ) {
    if (items.length === 0) return;
    for (const { order } of items) assertTransition(order.id, order.status, 'SHIPPED');
    await trx.raw(
      `UPDATE orders o SET carrier = s.carrier, tracking_number = s.tracking_number
         FROM unnest(?::uuid[], ?::text[], ?::text[]) AS s(id, carrier, tracking_number) WHERE o.id = s.id`,
      [
        items.map((i) => i.order.id),
        items.map((i) => i.shipment.carrier),
        items.map((i) => i.shipment.tracking_number),
      ],
    );
    await recordTransitions(
      trx,
      items.map(({ order, shipment }) => ({
        orderId: order.id,
        from: order.status,
        to: 'SHIPPED' as const,
        reason: `shipped via ${shipment.carrier}`,
      })),
      actor,
    );
    const { rows } = await trx.raw<{ rows: { paid_at: Date }[] }>(
      `SELECT max(created_at) AS paid_at FROM order_status_history
        WHERE order_id = ANY(?::uuid[]) AND to_status = 'PAID' GROUP BY order_id`,
      [items.map((i) => i.order.id)],
    );
    for (const r of rows) metrics.fulfillment.observe((Date.now() - r.paid_at.getTime()) / 1000);
  }

  async function markDelivered(trx: Trx, orders: { id: string; status: OrderStatus }[], actor: string) {
    for (const order of orders) assertTransition(order.id, order.status, 'DELIVERED');
    await recordTransitions(
      trx,
      orders.map((order) => ({
        orderId: order.id,
        from: order.status,
        to: 'DELIVERED' as const,
        reason: 'delivered',
      })),
      actor,
    );
  }

  async function getOrder(orderId: string, actor: Actor) {
    const order = await q.findOrder(db, orderId);
    if (!order || (actor.role !== 'admin' && order.user_id !== actor.userId)) {
      throw new DomainError('not_found', 'Order not found', { order_id: orderId });
    }
    const [items, history, charge] = await Promise.all([
      q.orderItems(db, orderId),
      q.statusHistory(db, orderId),
      q.latestCharge(db, orderId),
    ]);
    const customer = actor.role !== 'admin';
    // A failed charge's code is also the reason of the order's move to PAYMENT_FAILED, and so its
    // status_reason: every field that carries it reads it through the same rule.
    const decline = (code: string | null) => (customer ? customerDecline(code) : code);
    const reasonOf = (to: OrderStatus, reason: string | null) =>
      to === 'PAYMENT_FAILED' ? decline(reason) : reason;
    return {
      order_id: order.id,
      status: order.status,
      status_reason: reasonOf(order.status, order.status_reason),
      total_cents: order.total_cents,
      currency: order.currency,
      items: items.map((i) => ({ ...i, line_total_cents: i.quantity * i.price_at_purchase_cents })),
      // Who moved the order, by role only: a customer is not shown staff or other users' ids.
      status_history: history.map((h) => ({
        ...h,
        reason: reasonOf(h.to, h.reason),
        actor: customer ? String(h.actor).split(':')[0] : h.actor,
      })),
      shipping_address: order.shipping_address,
      payment: charge
        ? {
            state: charge.state,
            failure_code: decline(charge.failure_code),
            // What the customer's browser needs to finish 3-D Secure: the owner's alone.
            next_action: order.user_id === actor.userId ? (charge.next_action ?? undefined) : undefined,
          }
        : null,
      carrier: order.carrier,
      tracking_number: order.tracking_number,
      tracking_url: trackingUrl(order.carrier, order.tracking_number),
      created_at: order.created_at,
      updated_at: order.updated_at,
    };
  }

  return {
    getOrder,

    listAll: (filter: { status?: OrderStatus; limit: number }) => q.listAllOrders(db, filter),

    async listOrders(userId: string, page: number, limit: number) {
      const [orders, total] = await Promise.all([
        q.listOrders(db, userId, limit, (page - 1) * limit),
        q.countOrders(db, userId),
      ]);
      return { orders, total, page, next_page: page * limit < total ? page + 1 : null };
    },

    /**
     * PENDING → CANCELLED releases the reservation; PAID → CANCELLED puts the sold units back and
     * queues the refund (the outbox worker calls the provider, idempotently). Settles with the
     * payment results of the moment, in one transaction.
     */
    async cancel(orderId: string, actor: Actor, reason = 'cancelled by customer') {
      await settlement.settle({ kind: 'cancel', orderId, actor, reason });
      return getOrder(orderId, actor);
    },

    async ship(orderId: string, actor: Actor, shipment: Shipment) {
      await db.transaction(async (trx) => {
        const order = await lockOwned(trx, orderId, actor);
        await markShipped(trx, [{ order, shipment }], actorName(actor));
        await auditIfAdmin(trx, actor, order, 'SHIPPED', { after: { ...shipment } });
      });
      return getOrder(orderId, actor);
    },

    async deliver(orderId: string, actor: Actor) {
      await db.transaction(async (trx) => {
        const order = await lockOwned(trx, orderId, actor);
        await markDelivered(trx, [order], actorName(actor));
        await auditIfAdmin(trx, actor, order, 'DELIVERED');
      });
      return getOrder(orderId, actor);
    },

    /**
     * Ships orders the caller holds locked (the fulfillment worker), in its transaction, recorded
     * as a system actor.
     */
    shipLocked: (
      trx: Trx,
      items: { order: { id: string; status: OrderStatus }; shipment: Shipment }[],
      actor: string,
    ) => markShipped(trx, items, actor),

    /** Marks orders the caller holds locked delivered, in its transaction, for a system actor. */
    deliverLocked: (trx: Trx, orders: { id: string; status: OrderStatus }[], actor: string) =>
      markDelivered(trx, orders, actor),
  };
}
