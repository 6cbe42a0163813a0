import Router from '@koa/router';
import { adminOrderRoutes } from '../orders/routes.js';
import type { OrderService } from '../orders/service.js';
import type { AppState } from '../shared/http.js';
import { requireAuth } from '../users/auth.js';
import type { UserService } from '../users/service.js';

/** Admin-only routes; every route below needs an admin token (a customer token is a 403). */
export function adminRoutes({ users, orders }: { users: UserService; orders: OrderService }) {
  const router = new Router<AppState>({ prefix: '/admin' });
  router.use(requireAuth(users, 'admin'));

  router.get('/users', async (ctx) => {
    ctx.body = { users: await users.list() };
  });

  const ordersRouter = adminOrderRoutes({ orders });
  router.use(ordersRouter.routes(), ordersRouter.allowedMethods());

  return router;
}
