import { createCartService } from './cart/service.js';
import { createPostgresSearch, type SearchBackend } from './catalog/search.js';
import { createCatalogService } from './catalog/service.js';
import type { Config } from './config.js';
import { createDb, type Db } from './db/index.js';
import { type Cache, createCache } from './shared/cache.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createUserService } from './users/service.js';

/** The one place dependencies are wired; the server, shopctl and the tests all start here. */
export function createContainer(config: Config, overrides: { logger?: Logger } = {}) {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db: Db = createDb(config.db.url, config.db.poolMax);
  const cache: Cache = createCache({ ...config.redis, logger });
  const search: SearchBackend = createPostgresSearch(db);

  const users = createUserService({ db, cache });
  const catalog = createCatalogService({
    db,
    cache,
    search,
    ttl: { productMs: config.cache.productTtlMs, searchMs: config.cache.searchTtlMs },
  });

  const cart = createCartService({ db, cache, catalog, limits: config.cart });

  let closed = false;
  return {
    config,
    logger,
    db,
    cache,
    users,
    catalog,
    cart,
    /** Drains pools and connections; safe to call twice. */
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([db.destroy(), cache.close()]);
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
