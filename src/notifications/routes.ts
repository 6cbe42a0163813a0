import Router from '@koa/router';
import type { Db } from '../db/index.js';
import type { AppState } from '../shared/http.js';
import { requireAuth } from '../users/auth.js';
import type { UserService } from '../users/service.js';
import { listNotifications } from './service.js';

export function notificationRoutes({ db, users }: { db: Db; users: UserService }) {
  const router = new Router<AppState>({ prefix: '/notifications' });
  router.use(requireAuth(users));
  // The customer's own, newest first: order paid, shipped, payment failed, expired.
  router.get('/', async (ctx) => {
    ctx.body = { notifications: await listNotifications(db, ctx.state.user!.id) };
  });
  return router;
}
