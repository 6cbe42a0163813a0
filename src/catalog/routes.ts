import Router from '@koa/router';
import { z } from 'zod';
import { type AppState, idParam, parseParams, parseQuery } from '../shared/http.js';
import { productQuerySchema } from './schemas.js';
import type { CatalogService } from './service.js';

// Parsed as an object so a bad id is reported against `id`, not an unnamed path.
const productParams = z.object({ id: idParam });

export function catalogRoutes({ catalog }: { catalog: CatalogService }) {
  const router = new Router<AppState>();

  router.get('/products', async (ctx) => {
    ctx.body = await catalog.listProducts(parseQuery(productQuerySchema, ctx));
  });

  router.get('/products/:id', async (ctx) => {
    ctx.body = await catalog.getProduct(parseParams(productParams, ctx.params).id);
  });

  router.get('/categories', async (ctx) => {
    ctx.body = { categories: await catalog.listCategories() };
  });

  return router;
}
