import { createAdminService } from './admin/index.js';
import { createCartService } from './cart/index.js';
import { createCatalogService, createPriceService, createProductAdminService } from './catalog/index.js';
import { createCheckoutService } from './checkout/index.js';
import type { Config } from './config.js';
import { createDb, type Db } from './db/index.js';
import { createReplicaReads, primaryReads, type Reads } from './db/replica.js';
import {
  brokerTransport,
  type ConsumerHandlers,
  type ConsumerName,
  countDeadLetters,
  createEventRelay,
  inProcessTransport,
  startConsumer,
} from './events/index.js';
import { createLocalFulfillment, fulfillmentHandler, runWarehouse } from './fulfillment/index.js';
import { createInventoryService } from './inventory/index.js';
import { createRecordingNotifier, lowStockHandler, notificationsHandler } from './notifications/index.js';
import { createOrderService } from './orders/index.js';
import { createOutboxWorker } from './outbox/index.js';
import type { PaymentProvider } from './payments/index.js';
import {
  createPaymentService,
  createSandboxProvider,
  createStripeProvider,
  createStripeWebhooks,
  isSandbox,
  paymentJobs,
  type StripeProvider,
} from './payments/index.js';
import { createRecommendationService } from './recommendations/index.js';
import {
  createSearch,
  createSearchIndexer,
  INDEXED_EVENT_TYPES,
  indexLag,
  searchIndexHandler,
} from './search/index.js';
import { createSettlementService } from './settlement/index.js';
import { type Cache, createCache } from './shared/cache.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createMetrics } from './shared/metrics.js';
import { createRateLimits } from './shared/rate-limits.js';
import { createUserService } from './users/index.js';

export interface ContainerOverrides {
  logger?: Logger;
  paymentProvider?: PaymentProvider;
}

/** The one place dependencies are wired; the server, shopctl and the tests all start here. */
export function createContainer(config: Config, overrides: ContainerOverrides = {}) {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db: Db = createDb(config.db.url, config.db.poolMax);
  const cache: Cache = createCache({ ...config.redis, logger });
  const metrics = createMetrics(db, {
    replica: config.db.replica !== null,
    eventRelay: config.jobs.enabled && (config.events.amqpUrl !== null || config.events.consumers.length > 0),
    deadLetters: () => relay?.deadLetters() ?? Promise.resolve(null),
    searchIndexLag: config.events.deployed.includes('search-index')
      ? () => indexLag(db, INDEXED_EVENT_TYPES).then((lag) => lag.seconds)
      : undefined,
  });
  // Browse's reads: the streaming replica while it answers within REPLICA_MAX_LAG, else the primary.
  const reads: Reads = config.db.replica
    ? createReplicaReads({
        primary: db,
        options: config.db.replica,
        logger,
        observer: {
          lag: (seconds) => metrics.replicaLag.set(seconds),
          up: (up) => metrics.replicaUp.set(up ? 1 : 0),
          read: (target, reason) => metrics.replicaReads.inc({ target, reason }),
        },
      })
    : primaryReads(db);
  const searching = createSearch({ db, reads, config: config.search, metrics, logger });
  const search = searching.backend;
  const provider =
    overrides.paymentProvider ??
    (config.payments.provider === 'stripe'
      ? createStripeProvider(config.payments.stripe!, config.payments.timeoutMs)
      : createSandboxProvider(config.payments.sandbox));

  const rateLimits = createRateLimits({
    cache,
    prefix: config.redis.prefix,
    ...config.rateLimits,
    logger,
    onLimited: (name) => metrics.rateLimited.inc({ limit: name }),
  });
  const users = createUserService({ db, cache, logger, limits: rateLimits, options: config.auth });
  const catalog = createCatalogService({
    db,
    reads,
    cache,
    search,
    logger,
    cursorSecret: config.auth.cacheSecret,
    ttl: {
      productMs: config.cache.productTtlMs,
      searchMs: config.cache.searchTtlMs,
      searchMaxAgeMs: config.cache.searchMaxAgeMs,
      stockMs: config.cache.stockTtlMs,
    },
  });
  const cart = createCartService({ db, cache, catalog, limits: config.cart, metrics, rateLimits });
  const recommendations = createRecommendationService({
    db,
    cache,
    catalog,
    cart,
    search,
    logger,
    options: config.recommendations,
  });
  const settlement = createSettlementService({ db, catalog, metrics, logger, options: config.settlement });
  const orders = createOrderService({ db, settlement, metrics });
  const inventory = createInventoryService({ db, catalog });
  const products = createProductAdminService({ db, catalog });
  const prices = createPriceService({ db, catalog });
  const payments = createPaymentService({
    db,
    provider,
    settlement,
    metrics,
    logger,
    options: config.payments,
  });
  const webhooks =
    'verifyWebhook' in provider
      ? createStripeWebhooks({ db, provider: provider as StripeProvider, payments, metrics, logger })
      : null;
  const checkout = createCheckoutService({ db, cart, catalog, logger, options: config.checkout, metrics });
  const admin = createAdminService({ db, cache, orders, payments });
  const worker = createOutboxWorker({
    db,
    logger,
    ...paymentJobs(payments, config.payments),
    onFailure: (event) => metrics.outboxFailures.inc({ topic: event.topic }),
  });

  const fulfillmentProvider = createLocalFulfillment();
  const notifier = createRecordingNotifier(logger);
  const handlers: ConsumerHandlers = {
    notifications: notificationsHandler(notifier),
    fulfillment: fulfillmentHandler(config.fulfillment),
    'low-stock': lowStockHandler(notifier),
    'search-index': searchIndexHandler(),
  };
  const { amqpUrl } = config.events;
  // Domain events leave for RabbitMQ when a broker is configured. Without one, the relay hands them
  // to this process's consumers in-process; a process that runs none (EVENT_CONSUMERS="") leaves
  // them in PostgreSQL for one that does.
  /** The relay for a process that runs these consumers (the broker's relay ignores them). */
  const relayFor = (consumers: readonly ConsumerName[]) => {
    const transport = amqpUrl
      ? brokerTransport(amqpUrl, config.events.deployed)
      : consumers.length > 0
        ? inProcessTransport({
            consumers,
            handlers,
            logger,
            metrics,
            countDeadLetters: () => countDeadLetters(db),
          })
        : null;
    return transport
      ? createEventRelay({ db, dbUrl: config.db.url, logger, metrics, options: config.events, transport })
      : null;
  };
  const relay = relayFor(config.events.consumers);
  /** The warehouse: ships due shipments and delivers shipped ones until none is due. */
  const advanceFulfillment = () => runWarehouse(db, orders, fulfillmentProvider, config.fulfillment);
  /** Event consumers on the broker, each on its own queue (none without AMQP_URL: the relay delivers). */
  const startConsumersNamed = (names: readonly ConsumerName[]) =>
    amqpUrl
      ? names.map((name) =>
          startConsumer({
            db,
            amqpUrl,
            name,
            deployed: config.events.deployed,
            handlers,
            logger,
            metrics,
          }),
        )
      : [];
  /** The event consumers this process runs (EVENT_CONSUMERS). */
  const startConsumers = () => startConsumersNamed(config.events.consumers);
  // The search-index consumer records what the index owes; where this process runs it, the
  // indexer writes that to the engine (and builds the index first if there is none).
  const searchIndexer =
    searching.client && config.search.opensearch && config.events.consumers.includes('search-index')
      ? createSearchIndexer({
          db,
          dbUrl: config.db.url,
          client: searching.client,
          prefix: config.search.opensearch.indexPrefix,
          logger,
          metrics,
        })
      : null;

  let closed = false;
  return {
    config,
    logger,
    db,
    /** Browse's reads (the replica where DATABASE_REPLICA_URL is set); `status()` for /readyz. */
    reads,
    cache,
    users,
    rateLimits,
    search,
    /** The engine's client where OPENSEARCH_URL is set, else null. */
    searchClient: searching.client,
    /** 'down' while browse searches PostgreSQL in the engine's place; null without an engine. */
    searchStatus: searching.status,
    catalog,
    cart,
    recommendations,
    orders,
    inventory,
    products,
    prices,
    admin,
    payments,
    /** The sandbox provider when payments go to it (its 3-D Secure challenge page is served); else null. */
    sandbox: isSandbox(provider) ? provider : null,
    settlement,
    webhooks,
    checkout,
    worker,
    relay,
    relayFor,
    handlers,
    startConsumers,
    /** Writes what the index owes to the engine, in processes that run the search-index consumer; else null. */
    searchIndexer,
    startConsumersNamed,
    advanceFulfillment,
    /** The reservation sweeper (the periodic task, shopctl, tests): expires every due order. */
    sweep: settlement.releaseAllExpiredReservations,
    metrics,
    /** Drains pools and connections; safe to call twice. */
    async close() {
      if (closed) return;
      closed = true;
      await checkout.drain();
      await settlement.drain();
      await relay?.close();
      await Promise.allSettled([db.destroy(), reads.close(), cache.close(), searching.close()]);
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
