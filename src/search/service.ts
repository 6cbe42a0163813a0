import type { SearchBackend } from '../catalog/index.js';
import { createPostgresSearch } from '../catalog/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { Reads } from '../db/replica.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { createOpenSearchBackend } from './backend.js';
import { createSearchClient, type SearchClient } from './client.js';
import { createBreaker, createSearchFallback } from './fallback.js';
import { aliasName } from './mapping.js';

export interface Search {
  /** What browse searches with: PostgreSQL, or the engine with PostgreSQL behind it. */
  backend: SearchBackend;
  /** The engine's client whenever OPENSEARCH_URL is set (the index sync and shopctl use it too); else null. */
  client: SearchClient | null;
  /** For /readyz: 'down' while browse is answered from PostgreSQL in the engine's place; null without an engine. */
  status(): 'up' | 'down' | null;
  close(): Promise<void>;
}

/** Browse's search as configured (SEARCH_BACKEND), with its breaker reported as shop_search_backend_up. */
export function createSearch({
  db,
  reads,
  config,
  metrics,
  logger,
}: {
  db: Db;
  /** Where PostgreSQL searches read: the replica where there is one. */
  reads?: Reads;
  config: Config['search'];
  metrics: Metrics;
  logger: Logger;
}): Search {
  const postgres = createPostgresSearch(db, config.postgres, reads);
  const client = config.opensearch
    ? createSearchClient({ url: config.opensearch.url, timeoutMs: config.timeoutMs })
    : null;
  const close = async () => {
    await client?.close();
  };
  metrics.searchBackendUp.set(1);
  if (config.backend === 'postgres' || !client || !config.opensearch) {
    return { backend: postgres, client, status: () => null, close };
  }
  const breaker = createBreaker(config.breaker, {
    onChange: (state) => {
      metrics.searchBackendUp.set(state === 'closed' ? 1 : 0);
      if (state === 'closed') logger.warn('search engine answers again: browse searches it');
      if (state === 'open') logger.warn('search breaker open: browse searches PostgreSQL');
    },
  });
  const engine = createOpenSearchBackend({ client, alias: aliasName(config.opensearch.indexPrefix) });
  return {
    backend: createSearchFallback({ engine, postgres, breaker, metrics, logger }),
    client,
    status: () => (breaker.state === 'closed' ? 'up' : 'down'),
    close,
  };
}
