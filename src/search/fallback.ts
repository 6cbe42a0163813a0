import { errors } from '@opensearch-project/opensearch';
import type { PageQuery } from '../catalog/index.js';
import { type SearchBackend, summaryAndPage } from '../catalog/index.js';
import { DomainError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Why a search went to PostgreSQL: the `reason` label of shop_search_fallbacks_total. */
export type FallbackReason = 'timeout' | 'unreachable' | 'index_missing' | 'error' | 'breaker_open';

export interface BreakerOptions {
  /** Consecutive failures that open it. */
  failures: number;
  /** How long it stays open before one call probes again. */
  probeAfterMs: number;
}

/**
 * A circuit breaker: closed, calls go through; after `failures` failures in a row it opens and
 * calls are refused (answered elsewhere) for `probeAfterMs`; then it is half-open: one call goes
 * through as a probe while the others are still refused, and that call's outcome closes it or
 * opens it again.
 */
export function createBreaker(
  { failures, probeAfterMs }: BreakerOptions,
  { now = Date.now, onChange }: { now?: () => number; onChange?: (state: BreakerState) => void } = {},
) {
  let state: BreakerState = 'closed';
  let inARow = 0;
  let openedAt = 0;
  const move = (next: BreakerState) => {
    if (next === state) return;
    state = next;
    onChange?.(state);
  };
  return {
    get state() {
      return state;
    },
    /** Whether this call may go through: always while closed, once per probe interval otherwise. */
    allow(): boolean {
      if (state === 'closed') return true;
      if (state === 'open' && now() - openedAt >= probeAfterMs) {
        move('half-open');
        return true;
      }
      return false;
    },
    succeeded() {
      inARow = 0;
      move('closed');
    },
    failed() {
      inARow += 1;
      if (state === 'half-open' || inARow >= failures) {
        openedAt = now();
        move('open');
      }
    },
    /** A call let through ended before it tried (a refused cursor): a probe is owed to the next call. */
    untried() {
      if (state === 'half-open') move('open');
    },
  };
}

export type Breaker = ReturnType<typeof createBreaker>;

function reasonOf(err: unknown): Exclude<FallbackReason, 'breaker_open'> {
  if (err instanceof errors.TimeoutError || err instanceof errors.RequestAbortedError) return 'timeout';
  if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError)
    return 'unreachable';
  if (err instanceof errors.ResponseError) {
    const type = (err.body as { error?: { type?: string } } | undefined)?.error?.type;
    if (err.statusCode === 404 || type === 'index_not_found_exception') return 'index_missing';
  }
  return 'error';
}

/**
 * The engine, with PostgreSQL behind it: a search the engine fails (down, past SEARCH_TIMEOUT, its
 * index missing, any error) is answered from PostgreSQL, and a shopper never sees the failure.
 * After enough failures in a row the breaker opens and searches skip the engine (no timeout to
 * sit through) until a probe finds it answering again. A refused cursor (a DomainError, a 400)
 * is the request's fault, not the engine's: it is passed on and counts for nothing.
 */
export function createSearchFallback({
  engine,
  postgres,
  breaker,
  metrics,
  logger,
}: {
  engine: SearchBackend;
  postgres: SearchBackend;
  breaker: Breaker;
  metrics: Metrics;
  logger: Logger;
}): SearchBackend {
  async function either<T>(
    what: string,
    onEngine: () => Promise<T>,
    onPostgres: () => Promise<T>,
  ): Promise<T> {
    if (!breaker.allow()) {
      metrics.searchFallbacks.inc({ reason: 'breaker_open' });
      return onPostgres();
    }
    try {
      const answer = await onEngine();
      breaker.succeeded();
      return answer;
    } catch (err) {
      if (err instanceof DomainError) {
        breaker.untried();
        throw err;
      }
      const reason = reasonOf(err);
      breaker.failed();
      metrics.searchFallbacks.inc({ reason });
      // At most SEARCH_BREAKER_FAILURES lines per outage, and one per probe: the breaker stops the rest.
      logger.warn(
        { err: (err as Error).message, reason, what },
        'search engine failed: answered from PostgreSQL',
      );
      return onPostgres();
    }
  }

  return {
    name: engine.name,
    headRows: engine.headRows,
    summarize: (filter, after) =>
      either(
        'summarize',
        () => engine.summarize(filter),
        () => postgres.summarize(filter, after),
      ),
    page: (query, small, after) =>
      either(
        'page',
        () => engine.page(query, small),
        () => postgres.page(query, small, after),
      ),
    ...(engine.browse && {
      browse: (query: PageQuery, after?: number | null) =>
        either(
          'browse',
          () => engine.browse!(query),
          () => summaryAndPage(postgres, query, after),
        ),
    }),
    suggest: (typed, limit, after) =>
      either(
        'suggest',
        () => engine.suggest(typed, limit),
        () => postgres.suggest(typed, limit, after),
      ),
    similar: (productId, limit, after) =>
      either(
        'similar',
        () => engine.similar(productId, limit),
        () => postgres.similar(productId, limit, after),
      ),
  };
}
