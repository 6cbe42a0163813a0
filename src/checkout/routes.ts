import { DomainError } from '../shared/errors.js';
import { createRouter, signedInUser } from '../shared/http.js';
import { parseBody } from '../shared/input.js';
import { clientKey, rateLimit } from '../shared/middleware.js';
import type { RateLimits } from '../shared/rate-limits.js';
import type { UserService } from '../users/index.js';
import { requireAuth } from '../users/index.js';
import { checkoutSchema, idempotencyKeySchema } from './schemas.js';
import type { CheckoutService } from './service.js';

export function checkoutRoutes({
  checkout,
  users,
  rateLimits,
}: {
  checkout: CheckoutService;
  users: UserService;
  rateLimits: RateLimits;
}) {
  const router = createRouter();

  router.post(
    '/checkout',
    rateLimit(rateLimits, 'checkout_ip', clientKey),
    requireAuth(users),
    rateLimit(rateLimits, 'checkout_user', (ctx) => signedInUser(ctx).id),
    async (ctx) => {
      const key = idempotencyKeySchema.safeParse(ctx.get('idempotency-key') || undefined);
      if (!key.success) throw new DomainError('idempotency_key_missing', key.error.issues[0]!.message);
      const input = parseBody(checkoutSchema, ctx);
      const response = await checkout.checkout(signedInUser(ctx).id, key.data, input);
      ctx.status = response.status;
      ctx.body = response.body;
      ctx.set('Idempotency-Key', key.data);
    },
  );

  return router;
}
