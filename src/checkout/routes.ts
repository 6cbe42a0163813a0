import Router from '@koa/router';
import { DomainError } from '../shared/errors.js';
import { type AppState, parseBody } from '../shared/http.js';
import { requireAuth } from '../users/auth.js';
import type { UserService } from '../users/service.js';
import { checkoutSchema, idempotencyKeySchema } from './schemas.js';
import type { CheckoutService } from './service.js';

export function checkoutRoutes({ checkout, users }: { checkout: CheckoutService; users: UserService }) {
  const router = new Router<AppState>();

  router.post('/checkout', requireAuth(users), async (ctx) => {
    const key = idempotencyKeySchema.safeParse(ctx.get('idempotency-key') || undefined);
    if (!key.success) throw new DomainError('idempotency_key_missing', key.error.issues[0]!.message);
    const input = parseBody(checkoutSchema, ctx);
    const response = await checkout.checkout(ctx.state.user!.id, key.data, input);
    ctx.status = response.status;
    ctx.body = response.body;
    ctx.set('Idempotency-Key', key.data);
  });

  return router;
}
