import Router from '@koa/router';
import type { AppState } from '../shared/http.js';
import { requireAuth } from '../users/auth.js';
import type { UserService } from '../users/service.js';

/** Admin-only routes; every route below needs an admin token (a customer token is a 403). */
export function adminRoutes({ users }: { users: UserService }) {
  const router = new Router<AppState>({ prefix: '/admin' });
  router.use(requireAuth(users, 'admin'));

  router.get('/users', async (ctx) => {
    ctx.body = { users: await users.list() };
  });

  return router;
}
