import { type AppContext, createRouter, signedInUser } from '../shared/http.js';
import { parseBody, parseParams, parseQuery, uuidParam } from '../shared/input.js';
import { rateLimit } from '../shared/middleware.js';
import type { RateLimits } from '../shared/rate-limits.js';
import type { UserService } from '../users/index.js';
import { requireAuth } from '../users/index.js';
import type { Actor } from './actor.js';
import { cancelSchema, orderListQuerySchema, shipSchema } from './schemas.js';
import type { OrderService } from './service.js';

/**
 * A charge waiting on 3-D Secure, settled now (`POST /orders/:id/payment/confirm`): payments, which
 * reads orders, so it is handed in (the container's payment service).
 */
export interface PaymentConfirmations {
  confirmPayment(orderId: string, userId: string): Promise<unknown>;
}

const actorOf = (ctx: AppContext): Actor => {
  const { id, role } = signedInUser(ctx);
  return { userId: id, role };
};

export function orderRoutes({
  orders,
  payments,
  users,
  rateLimits,
}: {
  orders: OrderService;
  payments: PaymentConfirmations;
  users: UserService;
  rateLimits: RateLimits;
}) {
  const router = createRouter('/orders');
  router.use(requireAuth(users));

  router.get('/', async (ctx) => {
    const { page, limit } = parseQuery(orderListQuerySchema, ctx);
    ctx.body = await orders.listOrders(signedInUser(ctx).id, page, limit);
  });

  // Customers see only their own orders, also as admins: the admin view lives under /admin/orders.
  router.get('/:id', async (ctx) => {
    ctx.body = await orders.getOrder(parseParams(uuidParam, ctx.params.id), {
      userId: signedInUser(ctx).id,
      role: 'customer',
    });
  });

  router.post('/:id/cancel', async (ctx) => {
    const { reason } = parseBody(cancelSchema, ctx);
    ctx.body = await orders.cancel(
      parseParams(uuidParam, ctx.params.id),
      { userId: signedInUser(ctx).id, role: 'customer' },
      reason,
    );
  });

  // Back from 3-D Secure: the charge is re-fetched from the provider and settled now. Counted per
  // user: while a charge is pending each confirm may ask the provider, whose budget webhooks share.
  const confirms = rateLimit(rateLimits, 'payment_confirm_user', (ctx) => signedInUser(ctx).id);
  router.post('/:id/payment/confirm', confirms, async (ctx) => {
    const id = parseParams(uuidParam, ctx.params.id);
    await payments.confirmPayment(id, signedInUser(ctx).id);
    ctx.body = await orders.getOrder(id, { userId: signedInUser(ctx).id, role: 'customer' });
  });

  return router;
}

export function adminOrderRoutes({ orders }: { orders: OrderService }) {
  const router = createRouter('/orders');

  router.get('/:id', async (ctx) => {
    ctx.body = await orders.getOrder(parseParams(uuidParam, ctx.params.id), actorOf(ctx));
  });
  router.post('/:id/ship', async (ctx) => {
    ctx.body = await orders.ship(
      parseParams(uuidParam, ctx.params.id),
      actorOf(ctx),
      parseBody(shipSchema, ctx),
    );
  });
  router.post('/:id/deliver', async (ctx) => {
    ctx.body = await orders.deliver(parseParams(uuidParam, ctx.params.id), actorOf(ctx));
  });
  router.post('/:id/cancel', async (ctx) => {
    const { reason } = parseBody(cancelSchema, ctx);
    ctx.body = await orders.cancel(
      parseParams(uuidParam, ctx.params.id),
      actorOf(ctx),
      reason ?? 'cancelled by admin',
    );
  });

  return router;
}
