import { z } from 'zod';
import { createRouter } from '../shared/http.js';
import { idParam, parseParams, parseQuery } from '../shared/input.js';
import { clientKey, rateLimit } from '../shared/middleware.js';
import type { RateLimits } from '../shared/rate-limits.js';
import { productQuerySchema, suggestQuerySchema } from './schemas.js';
import type { CatalogService } from './service.js';

// Parsed as an object so a bad id is reported against `id`, not an unnamed path.
const productParams = z.object({ id: idParam });

export function catalogRoutes({ catalog, rateLimits }: { catalog: CatalogService; rateLimits: RateLimits }) {
  const router = createRouter();
  // Anonymous reads cost PostgreSQL when uncached: bounded per client address.
  const browse = rateLimit(rateLimits, 'browse_ip', clientKey);

  router.get('/products', browse, async (ctx) => {
    ctx.body = await catalog.listProducts(parseQuery(productQuerySchema, ctx));
  });

  // Before /products/:id, which would read "suggest" as an id.
  router.get('/products/suggest', browse, async (ctx) => {
    const { q, limit } = parseQuery(suggestQuerySchema, ctx);
    ctx.body = { suggestions: (await catalog.suggest(q, limit)).map((text) => ({ text })) };
  });

  router.get('/products/:id', browse, async (ctx) => {
    ctx.body = await catalog.getProduct(parseParams(productParams, ctx.params).id);
  });

  router.get('/categories', browse, async (ctx) => {
    ctx.body = { categories: await catalog.listCategories() };
  });

  return router;
}
