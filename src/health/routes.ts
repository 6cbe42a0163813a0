import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/index.js';
import type { Cache } from '../shared/cache.js';
import { DomainError } from '../shared/errors.js';
import { createRouter } from '../shared/http.js';
import type { Metrics } from '../shared/metrics.js';

export function healthRoutes({
  db,
  cache,
  metrics,
  config,
  searchStatus,
  reads,
  draining = () => false,
}: {
  db: Db;
  cache: Cache;
  metrics: Metrics;
  config: { metrics: { token: string | null } };
  /** The search engine, where browse searches one: 'down' while PostgreSQL answers in its place. */
  searchStatus: () => 'up' | 'down' | null;
  /** The read replica, where there is one: browse reads from the primary while it lags or is down. */
  reads?: { status(): 'up' | 'lagging' | 'down' | null };
  /** True once the process is stopping: the balancer should send it nothing new. */
  draining?: () => boolean;
}) {
  const expected = config.metrics.token ? Buffer.from(`Bearer ${config.metrics.token}`) : null;
  const router = createRouter();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/metrics', async (ctx) => {
    if (expected) {
      const given = Buffer.from(ctx.get('authorization'));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new DomainError(
          'unauthorized',
          'GET /metrics needs the metrics token: Authorization: Bearer <METRICS_TOKEN>',
        );
      }
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  // PostgreSQL is required; Redis is only a cache, and the search engine and the read replica have
  // the primary behind them, so without any of them the service is degraded, not down.
  router.get('/readyz', async (ctx) => {
    // A stopping process still answers everything else, but tells the balancer to look elsewhere
    // before it stops listening, so no request meets a closed port.
    if (draining()) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    const [postgres, redis] = await Promise.all([
      db.raw('SELECT 1').then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      cache.ping().then((ok) => (ok ? ('up' as const) : ('down' as const))),
    ]);
    const search = searchStatus();
    const replica = reads?.status() ?? null;
    const degraded = redis === 'down' || search === 'down' || (replica !== null && replica !== 'up');
    const status = postgres === 'down' ? 'unavailable' : degraded ? 'degraded' : 'ready';
    ctx.status = postgres === 'down' ? 503 : 200;
    ctx.body = {
      status,
      checks: { postgres, redis, ...(search ? { search } : {}), ...(replica ? { replica } : {}) },
    };
  });

  return router;
}
