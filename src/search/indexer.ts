import type { Db } from '../db/index.js';
import type { EventHandler } from '../events/index.js';
import { CONSUMER_QUEUES } from '../events/index.js';
import { listenForOutboxEvents } from '../outbox/index.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { type BulkTarget, writeDocuments } from './bulk.js';
import type { SearchClient } from './client.js';
import { aliasName } from './mapping.js';
import { markIndexed, readOwed, recordOwed, SEARCH_INDEX_CHANNEL } from './queries.js';
import { ensureIndex } from './reindex.js';

/** The product events the index follows: the search-index consumer's bindings. */
export const INDEXED_EVENT_TYPES = CONSUMER_QUEUES['search-index'].bindings;

/**
 * The search-index consumer's part inside the event transaction: it records which products the
 * index owes a newer document (search_index_state), one row per product however many of its
 * events the batch holds, and nothing else. It never calls the engine: the relay's round (or the
 * broker consumer's batch) commits whether the engine is up or not, so an engine outage neither
 * slows the events other consumers wait for nor sends search's events to the dead letters. The
 * inbox row and the owed row commit together: an event the inbox has is one the index will get.
 */
export function searchIndexHandler(): EventHandler<(typeof INDEXED_EVENT_TYPES)[number]> {
  return async (trx, events) => {
    const changes = new Map<number, Date>();
    for (const event of events) {
      const { product_id } = event.data;
      const at = new Date(event.time);
      const before = changes.get(product_id);
      if (!before || at < before) changes.set(product_id, at);
    }
    await recordOwed(trx, changes);
  };
}

export interface IndexerOptions {
  /** Products per bulk request. */
  batchSize: number;
  /** Polling, behind LISTEN/NOTIFY. */
  intervalMs: number;
  /** One bulk request's deadline. */
  timeoutMs: number;
  /** The first wait after the engine failed; doubled each time up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_INDEXER_OPTIONS: IndexerOptions = {
  batchSize: 1_000,
  intervalMs: 1_000,
  timeoutMs: 10_000,
  backoffMs: 250,
  maxBackoffMs: 5_000,
};

/** One indexer drains at a time across processes; the others find the lock taken and let it. */
const DRAIN_LOCK = 0x5ea4c4;

type Round = 'idle' | 'more' | 'retry';

/**
 * The indexer: writes the products the index owes, read from PostgreSQL as they are now, to the
 * alias (and to any index a reindex is filling), in one bulk request per round, with each
 * product's version as the document's external version; then records the versions the engine
 * took. A burst of checkouts on one product is one owed row, so one document per round.
 *
 * The owed row is cleared only for documents every target took (or holds newer): a document the
 * engine could not take now stays owed and goes again after a back-off (0.25 s doubling to 5 s);
 * one it refused for good (a mapping error) is counted, logged and cleared, since only a change
 * of the product or of the mapping can fix it. A bulk that partly failed therefore re-sends only
 * what failed, and whatever it re-sends is idempotent (versions).
 *
 * One process drains at a time (a transaction-level advisory lock held through the round); the
 * others skip and the holder goes round until nothing is owed, woken by the consumer's NOTIFY.
 */
export function createSearchIndexer({
  db,
  dbUrl,
  client,
  prefix,
  logger,
  metrics,
  options = DEFAULT_INDEXER_OPTIONS,
}: {
  db: Db;
  dbUrl: string;
  client: SearchClient;
  /** OPENSEARCH_INDEX_PREFIX: the alias is `${prefix}products`. */
  prefix: string;
  logger: Logger;
  metrics: Metrics;
  options?: IndexerOptions;
}) {
  const alias = aliasName(prefix);
  let lastWarn = 0;
  const warn = (fields: Record<string, unknown>, message: string) => {
    if (Date.now() - lastWarn < 10_000) return;
    lastWarn = Date.now();
    logger.warn(fields, message);
  };

  async function indexOnce(): Promise<Round> {
    return db.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: { locked: boolean }[] }>(
        'SELECT pg_try_advisory_xact_lock(?) AS locked',
        [DRAIN_LOCK],
      );
      if (!rows[0]?.locked) return 'idle';
      const { products, builds } = await readOwed(trx, options.batchSize);
      if (products.length === 0) return 'idle';
      const targets: BulkTarget[] = [
        { index: alias, alias: true },
        ...builds.map((index) => ({ index, alias: false })),
      ];
      let result: Awaited<ReturnType<typeof writeDocuments>>;
      try {
        result = await writeDocuments(client, targets, products, { timeoutMs: options.timeoutMs });
      } catch (err) {
        metrics.searchIndexDocuments.inc({ outcome: 'retried' }, products.length);
        warn(
          { err: (err as Error).message, owed: products.length },
          'search indexer: the engine did not take the bulk request; the products stay owed and go again',
        );
        return 'retry';
      }
      const now = Date.now();
      const done: { product_id: number; version: number }[] = [];
      let retry = 0;
      for (const [product, outcome] of result.outcomes) {
        if (outcome === 'retry') {
          retry++;
          continue;
        }
        done.push({ product_id: product.product_id, version: product.version });
        if (outcome === 'rejected') {
          logger.error(
            { product: product.product_id, version: product.version, reason: result.reasons.get(product) },
            'search indexer: the engine refused a product document; it stays out of the index until the product changes',
          );
        }
        metrics.searchIndexDocuments.inc({ outcome });
        if (outcome !== 'rejected' && product.changed_at) {
          metrics.searchIndexApplyLag.observe(Math.max(0, now - product.changed_at.getTime()) / 1000);
        }
      }
      if (retry > 0) {
        metrics.searchIndexDocuments.inc({ outcome: 'retried' }, retry);
        warn(
          { retry, owed: products.length },
          'search indexer: the engine could not take some documents now; they go again',
        );
      }
      await markIndexed(trx, done);
      return retry > 0 ? 'retry' : products.length < options.batchSize ? 'idle' : 'more';
    });
  }

  let running: Promise<void> | null = null;
  let again = false;
  let backoffMs = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const scheduleRetry = () => {
    backoffMs = backoffMs ? Math.min(backoffMs * 2, options.maxBackoffMs) : options.backoffMs;
    // Stopped, nothing is scheduled: what is owed stays owed for the next start (or drain).
    if (stopped) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void drain();
    }, backoffMs);
    retryTimer.unref();
  };

  /**
   * Indexes until nothing is owed; a call while a drain runs makes it go round once more, and a
   * call while it waits to retry the engine waits with it.
   */
  function drain(): Promise<void> {
    if (retryTimer) return running ?? Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let round: Round;
        do {
          again = false;
          do round = await indexOnce();
          while (round === 'more');
        } while (again && round !== 'retry');
        if (round === 'retry') scheduleRetry();
        else backoffMs = 0;
      } catch (err) {
        warn({ err: (err as Error).message }, 'search indexer: round failed; retrying');
        scheduleRetry();
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    drain,
    indexOnce,
    /**
     * Starts indexing: builds the index first if there is none (ensureIndex: a new store or
     * engine; browse answers from PostgreSQL meanwhile), then is woken by the consumer's NOTIFY,
     * polling every intervalMs behind it. An engine that is down at start is waited for like any
     * other outage: what is owed stays owed.
     */
    start() {
      stopped = false;
      const listener = listenForOutboxEvents(dbUrl, () => void drain(), logger, SEARCH_INDEX_CHANNEL);
      const timer = setInterval(() => void drain(), options.intervalMs);
      timer.unref();
      void ensureIndex({ db, dbUrl, client, prefix, logger }).then(
        ({ created, index }) => {
          if (created) logger.info({ index, alias }, 'search index built from PostgreSQL: there was none');
        },
        (err) =>
          logger.warn({ err: (err as Error).message }, 'search indexer: could not check or build the index'),
      );
      void drain();
      return {
        async stop() {
          stopped = true;
          clearInterval(timer);
          if (retryTimer) clearTimeout(retryTimer);
          retryTimer = undefined;
          await listener.close();
          await running;
        },
      };
    },
  };
}

export type SearchIndexer = ReturnType<typeof createSearchIndexer>;
