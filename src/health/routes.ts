import Router from '@koa/router';
import type { Db } from '../db/index.js';
import type { Cache } from '../shared/cache.js';
import type { AppState } from '../shared/http.js';
import type { Metrics } from '../shared/metrics.js';

export function healthRoutes({ db, cache, metrics }: { db: Db; cache: Cache; metrics: Metrics }) {
  const router = new Router<AppState>();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  // PostgreSQL is required; Redis is only a cache, so without it the service is degraded, not down.
  router.get('/readyz', async (ctx) => {
    const [postgres, redis] = await Promise.all([
      db.raw('SELECT 1').then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      cache.ping().then((ok) => (ok ? ('up' as const) : ('down' as const))),
    ]);
    const status = postgres === 'down' ? 'unavailable' : redis === 'down' ? 'degraded' : 'ready';
    ctx.status = postgres === 'down' ? 503 : 200;
    ctx.body = { status, checks: { postgres, redis } };
  });

  return router;
}
