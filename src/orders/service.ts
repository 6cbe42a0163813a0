import { recordAdminChanges } from '../admin/audit-log.js';
import type { CatalogService } from '../catalog/service.js';
import type { Db, Trx } from '../db/index.js';
import { lockDueOrders, releaseReservations, restockOrder } from '../inventory/reservations.js';
import { enqueue } from '../outbox/outbox.js';
import { DomainError } from '../shared/errors.js';
import type { Metrics } from '../shared/metrics.js';
import * as q from './queries.js';
import { trackingUrl } from './schemas.js';
import { assertTransition, type OrderStatus, recordTransitions } from './state-machine.js';

export type OrderService = ReturnType<typeof createOrderService>;

/** Who acts on an order: a customer may only touch their own; an admin any. */
export interface Actor {
  userId: string;
  role: 'customer' | 'admin';
}

const actorName = (a: Actor) => `${a.role}:${a.userId}`;

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
  catalog,
  metrics,
}: {
  db: Db;
  catalog: CatalogService;
  metrics: Metrics;
}) {
  async function lockOwned(trx: Trx, orderId: string, actor: Actor) {
    const order = await q.lockOrder(trx, orderId);
    if (!order || (actor.role !== 'admin' && order.user_id !== actor.userId)) {
      throw new DomainError('not_found', 'Order not found', { order_id: orderId });
    }
    return order;
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
    return {
      order_id: order.id,
      status: order.status,
      status_reason: order.status_reason,
      total_cents: order.total_cents,
      currency: order.currency,
      items: items.map((i) => ({ ...i, line_total_cents: i.quantity * i.price_at_purchase_cents })),
      status_history: history,
      shipping_address: order.shipping_address,
      payment: charge
        ? {
            state: charge.state,
            failure_code: charge.failure_code,
            next_action: charge.next_action ?? undefined,
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
     * queues the refund (the outbox worker calls the provider, idempotently).
     */
    async cancel(orderId: string, actor: Actor, reason = 'cancelled by customer') {
      const productIds = await db.transaction(async (trx) => {
        const order = await lockOwned(trx, orderId, actor);
        assertTransition(order.id, order.status, 'CANCELLED');
        let touched: { product_id: number }[];
        if (order.status === 'PAID') {
          touched = await restockOrder(trx, order.id, actorName(actor));
          await enqueue(trx, [{ topic: 'payment.refund', aggregate_id: order.id, payload: { reason } }]);
        } else {
          touched = await releaseReservations(trx, [order.id], reason, actorName(actor));
        }
        await recordTransitions(
          trx,
          [{ orderId: order.id, from: order.status, to: 'CANCELLED', reason }],
          actorName(actor),
        );
        await auditIfAdmin(trx, actor, order, 'CANCELLED', { reason });
        return touched.map((t) => t.product_id);
      });
      await catalog.invalidateProducts(productIds);
      return getOrder(orderId, actor);
    },

    async ship(orderId: string, actor: Actor, shipment: { carrier: string; tracking_number: string }) {
      await db.transaction(async (trx) => {
        const order = await lockOwned(trx, orderId, actor);
        assertTransition(order.id, order.status, 'SHIPPED');
        await recordTransitions(
          trx,
          [
            {
              orderId: order.id,
              from: order.status,
              to: 'SHIPPED',
              reason: `shipped via ${shipment.carrier}`,
            },
          ],
          actorName(actor),
          {
            carrier: shipment.carrier,
            tracking_number: shipment.tracking_number,
          },
        );
        await auditIfAdmin(trx, actor, order, 'SHIPPED', { after: { ...shipment } });
        const paid = await trx('order_status_history')
          .where({ order_id: order.id, to_status: 'PAID' })
          .orderBy('id', 'desc')
          .first<{ created_at: Date } | undefined>('created_at');
        if (paid) metrics.fulfillment.observe((Date.now() - paid.created_at.getTime()) / 1000);
      });
      return getOrder(orderId, actor);
    },

    async deliver(orderId: string, actor: Actor) {
      await db.transaction(async (trx) => {
        const order = await lockOwned(trx, orderId, actor);
        assertTransition(order.id, order.status, 'DELIVERED');
        await recordTransitions(
          trx,
          [{ orderId: order.id, from: order.status, to: 'DELIVERED', reason: 'delivered' }],
          actorName(actor),
        );
        await auditIfAdmin(trx, actor, order, 'DELIVERED');
      });
      return getOrder(orderId, actor);
    },

    /** One sweep: expires a bounded batch of PENDING orders whose reservations ran out. */
    async releaseExpiredReservations(limit = 500) {
      const result = await db.transaction(async (trx) => {
        const due = await lockDueOrders(trx, limit);
        const ids = due.map((d) => d.id);
        const released = await releaseReservations(trx, ids, 'reservation expired', 'sweeper');
        await recordTransitions(
          trx,
          ids.map((id) => ({
            orderId: id,
            from: 'PENDING' as const,
            to: 'EXPIRED' as const,
            reason: 'reservation expired',
          })),
          'sweeper',
        );
        return { due, released };
      });
      await catalog.invalidateProducts(result.released.map((r) => r.product_id));
      const now = Date.now();
      return {
        orders: result.due.length,
        units: result.released.reduce((n, r) => n + r.quantity, 0),
        lagsMs: result.due.map((d) => now - d.expires_at.getTime()),
        orderIds: result.due.map((d) => d.id),
      };
    },
  };
}
