import { checkInvariants, reconcile } from '../audit/index.js';
import { listAdminChanges } from '../audit-log/index.js';
import type { Db } from '../db/index.js';
import type { Actor, OrderService } from '../orders/index.js';
import { cancelledByRefund } from '../orders/index.js';
import type { PaymentService } from '../payments/index.js';
import type { Cache } from '../shared/cache.js';
import { DomainError } from '../shared/errors.js';

export type AdminService = ReturnType<typeof createAdminService>;

/**
 * The admin and on-call operations that span domains. Built once, in the container (`c.admin`):
 * the admin routes and shopctl share one implementation.
 */
export function createAdminService({
  db,
  cache,
  orders,
  payments,
}: {
  db: Db;
  cache: Cache;
  orders: OrderService;
  payments: PaymentService;
}) {
  return {
    audit: () => checkInvariants(db),

    reconcile: (opts: { fix: boolean; actor: string }) => reconcile(db, cache, opts),

    auditLog: (filter: { subjectType?: string; subjectId?: string; limit?: number }) =>
      listAdminChanges(db, filter),

    /**
     * Cancels a PAID order (restock, refund queued) and drains the refund now instead of waiting
     * for the worker. On a CANCELLED order it only retries the refund, so re-running is safe.
     */
    async refund(orderId: string, actor: Actor, reason = 'refunded by admin') {
      const order = await orders.getOrder(orderId, actor);
      if (cancelledByRefund(order.status)) await orders.cancel(orderId, actor, reason);
      else if (order.status !== 'CANCELLED') {
        throw new DomainError(
          'invalid_transition',
          `Order is ${order.status}: only a PAID order can be refunded`,
          {
            order_id: orderId,
            status: order.status,
          },
        );
      }
      let refund: Awaited<ReturnType<PaymentService['processRefund']>>;
      try {
        refund = await payments.processRefund(orderId);
      } catch (err) {
        throw new DomainError(
          'service_unavailable',
          `Order ${orderId} is cancelled but the refund did not go through yet (${(err as Error).message}); the worker retries it, or run the refund again`,
          { order_id: orderId },
        );
      }
      return { ...(await orders.getOrder(orderId, actor)), refund };
    },
  };
}
