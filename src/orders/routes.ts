import Router from '@koa/router';
import type { PaymentService } from '../payments/service.js';
import {
  type AppContext,
  type AppState,
  parseBody,
  parseParams,
  parseQuery,
  uuidParam,
} from '../shared/http.js';
import { requireAuth } from '../users/auth.js';
import type { UserService } from '../users/service.js';
import { cancelSchema, orderListQuerySchema, shipSchema } from './schemas.js';
import type { Actor, OrderService } from './service.js';

const actorOf = (ctx: AppContext): Actor => ({ userId: ctx.state.user!.id, role: ctx.state.user!.role });

export function orderRoutes({
  orders,
  payments,
  users,
}: {
  orders: OrderService;
  payments: PaymentService;
  users: UserService;
}) {
  const router = new Router<AppState>({ prefix: '/orders' });
  router.use(requireAuth(users));

  router.get('/', async (ctx) => {
    const { page, limit } = parseQuery(orderListQuerySchema, ctx);
    ctx.body = await orders.listOrders(ctx.state.user!.id, page, limit);
  });

  // Customers see only their own orders, also as admins: the admin view lives under /admin/orders.
  router.get('/:id', async (ctx) => {
    ctx.body = await orders.getOrder(parseParams(uuidParam, ctx.params.id), {
      userId: ctx.state.user!.id,
      role: 'customer',
    });
  });

  router.post('/:id/cancel', async (ctx) => {
    const { reason } = parseBody(cancelSchema, ctx);
    ctx.body = await orders.cancel(
      parseParams(uuidParam, ctx.params.id),
      { userId: ctx.state.user!.id, role: 'customer' },
      reason,
    );
  });

  // Back from 3-D Secure: the charge is re-fetched from the provider and settled now.
  router.post('/:id/payment/confirm', async (ctx) => {
    const id = parseParams(uuidParam, ctx.params.id);
    await payments.confirmPayment(id, ctx.state.user!.id);
    ctx.body = await orders.getOrder(id, { userId: ctx.state.user!.id, role: 'customer' });
  });

  return router;
}

export function adminOrderRoutes({ orders }: { orders: OrderService }) {
  const router = new Router<AppState>({ prefix: '/orders' });

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
