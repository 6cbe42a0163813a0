import Router from '@koa/router';
import { type AppState, idParam, parseParams, parseQuery } from '../shared/http.js';
import { productQuerySchema } from './schemas.js';
import type { CatalogService } from './service.js';

export function catalogRoutes({ catalog }: { catalog: CatalogService }) {
  const router = new Router<AppState>();

  router.get('/products', async (ctx) => {
    ctx.body = await catalog.listProducts(parseQuery(productQuerySchema, ctx));
  });

  router.get('/products/:id', async (ctx) => {
    ctx.body = await catalog.getProduct(parseParams(idParam, ctx.params.id));
  });

  router.get('/categories', async (ctx) => {
    ctx.body = { categories: await catalog.listCategories() };
  });

  return router;
}
