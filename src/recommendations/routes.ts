import { z } from 'zod';
import { cartOwnerOf } from '../cart/index.js';
import { createRouter } from '../shared/http.js';
import { idParam, parseParams, parseQuery } from '../shared/input.js';
import { clientKey, rateLimit } from '../shared/middleware.js';
import type { RateLimits } from '../shared/rate-limits.js';
import type { UserService } from '../users/index.js';
import { optionalAuth } from '../users/index.js';
import { recommendationQuerySchema } from './schemas.js';
import type { RecommendationService } from './service.js';

const productParams = z.object({ id: idParam });

export function recommendationRoutes({
  recommendations,
  users,
  rateLimits,
}: {
  recommendations: RecommendationService;
  users: UserService;
  rateLimits: RateLimits;
}) {
  const router = createRouter();
  // Browse's budget: anonymous reads that cost PostgreSQL when uncached.
  const browse = rateLimit(rateLimits, 'browse_ip', clientKey);

  router.get('/products/:id/recommendations', browse, async (ctx) => {
    const { id } = parseParams(productParams, ctx.params);
    const { limit } = parseQuery(recommendationQuerySchema, ctx);
    ctx.body = await recommendations.forProduct(id, limit);
  });

  // A guest's cart is the X-Cart-Token's, a signed-in shopper's their own, as GET /cart reads it.
  router.get('/cart/recommendations', optionalAuth(users), browse, async (ctx) => {
    const { limit } = parseQuery(recommendationQuerySchema, ctx);
    ctx.body = await recommendations.forCart(cartOwnerOf(ctx), limit);
  });

  return router;
}
