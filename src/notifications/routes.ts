import type { Db } from '../db/index.js';
import { createRouter, signedInUser } from '../shared/http.js';
import type { UserService } from '../users/index.js';
import { requireAuth } from '../users/index.js';
import { listNotifications } from './service.js';

export function notificationRoutes({ db, users }: { db: Db; users: UserService }) {
  const router = createRouter('/notifications');
  router.use(requireAuth(users));
  // The customer's own, newest first: order paid, shipped, payment failed, expired.
  router.get('/', async (ctx) => {
    ctx.body = { notifications: await listNotifications(db, signedInUser(ctx).id) };
  });
  return router;
}
