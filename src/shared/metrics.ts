import client from 'prom-client';
import type { Db } from '../db/index.js';

/**
 * The service's Prometheus metrics. One registry per container (tests get their own). Labels stay
 * low-cardinality: route templates, status codes, error codes; never product, user or order ids.
 * Gauges that describe the whole store (active reservations, outbox lag) are read from
 * PostgreSQL at scrape time, so every process reports the same truth.
 */
export function createMetrics(
  db: Db,
  {
    eventRelay = false,
    deadLetters,
    searchIndexLag,
    replica = false,
  }: {
    eventRelay?: boolean;
    /** A read replica is configured (DATABASE_REPLICA_URL): only then are the shop_replica_* series exported. */
    replica?: boolean;
    /** Dead letters waiting (the broker's queue, or the in-process table); null: unknown right now. */
    deadLetters?: () => Promise<number | null>;
    /** Seconds the search index trails PostgreSQL; absent where search runs on PostgreSQL (0). */
    searchIndexLag?: () => Promise<number>;
  } = {},
) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  // prom-client names these three gauges *_total, which promtool rejects (only counters end in
  // _total). They are the sums of nodejs_active_{handles,requests,resources}{type}, kept as is.
  for (const name of ['handles', 'requests', 'resources']) {
    registry.removeSingleMetric(`nodejs_active_${name}_total`);
  }
  const opts = { registers: [registry] };
  const replicaOpts = { registers: replica ? [registry] : [] };
  /**
   * A gauge whose value is one query's `v`, read at scrape time. Scrapes that arrive while its
   * query runs (several Prometheus servers, a curl loop) share that query instead of adding one.
   */
  const dbGauge = (name: string, help: string, sql: string, enabled = true) => {
    let running: Promise<number> | null = null;
    return new client.Gauge({
      name,
      help,
      ...opts,
      async collect() {
        if (!enabled) {
          this.set(0);
          return;
        }
        running ??= db
          .raw<{ rows: { v: number }[] }>(sql)
          .then((r) => Number(r.rows[0]?.v ?? 0))
          .finally(() => {
            running = null;
          });
        this.set(await running);
      },
    });
  };
  let searchLagRead: Promise<number> | null = null;
  const readCounter = async (name: string) =>
    Number((await db('ops_counters').where({ name }).first('value'))?.value ?? 0);

  return {
    registry,
    http: new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template, method and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      ...opts,
    }),
    checkoutsStarted: new client.Counter({
      name: 'shop_checkouts_started_total',
      help: 'Checkout requests accepted for processing',
      ...opts,
    }),
    checkoutsCompleted: new client.Counter({
      name: 'shop_checkouts_completed_total',
      help: 'Checkouts that created an order',
      ...opts,
    }),
    checkoutsFailed: new client.Counter({
      name: 'shop_checkouts_failed_total',
      help: 'Checkouts that did not create an order, by reason (error code)',
      labelNames: ['reason'],
      ...opts,
    }),
    batchSize: new client.Histogram({
      name: 'shop_checkout_batch_size',
      help: 'Checkouts per group-commit transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      ...opts,
    }),
    paymentsAttempted: new client.Counter({
      name: 'shop_payments_attempted_total',
      help: 'Charges sent to the payment provider',
      ...opts,
    }),
    paymentsFailed: new client.Counter({
      name: 'shop_payments_failed_total',
      help: 'Charges the provider declined, by failure code',
      labelNames: ['code'],
      ...opts,
    }),
    rateLimited: new client.Counter({
      name: 'shop_rate_limited_total',
      help: 'Requests refused with 429, by limit (login_ip, checkout_user, …)',
      labelNames: ['limit'],
      ...opts,
    }),
    paymentRetries: new client.Counter({
      name: 'shop_payment_retries_total',
      help: 'Provider calls with no answer (timeout, 5xx, rate limit, network), retried later with the same key',
      labelNames: ['reason'],
      ...opts,
    }),
    webhookEvents: new client.Counter({
      name: 'shop_webhook_events_total',
      help: 'Payment provider webhooks received, by provider, event type and outcome',
      labelNames: ['provider', 'type', 'outcome'],
      ...opts,
    }),
    webhookFailures: new client.Counter({
      name: 'shop_webhook_failures_total',
      help: "Webhooks and charges refused: bad signature, a charge for no order, an amount or currency that does not match, another charge than the order's own (charge_mismatch), an error",
      labelNames: ['provider', 'reason'],
      ...opts,
    }),
    providerCall: new client.Histogram({
      name: 'shop_payment_provider_call_seconds',
      help: 'Payment provider call latency, by provider, kind (charge, refund) and outcome',
      labelNames: ['provider', 'kind', 'outcome'],
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10],
      ...opts,
    }),
    settlements: new client.Counter({
      name: 'shop_settlements_total',
      help: 'Payment results, cancels and expiries settled, by outcome',
      labelNames: ['outcome'],
      ...opts,
    }),
    settlementBatchSize: new client.Histogram({
      name: 'shop_settlement_batch_size',
      help: 'Payment results and cancels per settlement transaction',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      ...opts,
    }),
    checkoutToPaid: new client.Histogram({
      name: 'shop_checkout_to_paid_seconds',
      help: 'From the order being placed to its payment settled (PAID)',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      ...opts,
    }),
    // Orders placed whose charge has not settled yet: what a slow provider or a stalled worker
    // leaves behind. Their reservations hold stock meanwhile, and expire if it goes on.
    paymentBacklog: dbGauge(
      'shop_payment_backlog',
      'Orders waiting for their payment to be charged and settled',
      `SELECT count(*)::int AS v FROM outbox_events
        WHERE topic = 'payment.requested' AND processed_at IS NULL AND failed_at IS NULL`,
    ),
    paymentBacklogAge: dbGauge(
      'shop_payment_backlog_oldest_seconds',
      'How long the oldest order still waiting for its payment has waited (0 when none)',
      `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS v FROM outbox_events
        WHERE topic = 'payment.requested' AND processed_at IS NULL AND failed_at IS NULL`,
    ),
    cartsCreated: new client.Counter({
      name: 'shop_carts_created_total',
      help: 'Carts created (users and guests)',
      ...opts,
    }),
    cartsConverted: new client.Counter({
      name: 'shop_carts_converted_total',
      help: 'Carts checked out into an order',
      ...opts,
    }),
    cartsAbandoned: new client.Counter({
      name: 'shop_carts_abandoned_total',
      help: 'Carts deleted unconverted after the retention period',
      ...opts,
    }),
    fulfillment: new client.Histogram({
      name: 'shop_order_fulfillment_seconds',
      help: 'Time from PAID to SHIPPED',
      buckets: [600, 3_600, 4 * 3_600, 12 * 3_600, 86_400, 2 * 86_400, 4 * 86_400, 7 * 86_400],
      ...opts,
    }),
    reservationsExpired: new client.Counter({
      name: 'shop_reservations_expired_total',
      help: 'Orders expired by the sweeper (reservations released)',
      ...opts,
    }),
    releaseLag: new client.Histogram({
      name: 'shop_reservation_release_lag_seconds',
      help: 'From a reservation’s expires_at to its release by the sweeper',
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 300],
      ...opts,
    }),
    outboxFailures: new client.Counter({
      name: 'shop_outbox_failures_total',
      help: 'Outbox job attempts that failed, by topic',
      labelNames: ['topic'],
      ...opts,
    }),
    activeReservations: dbGauge(
      'shop_active_reservations',
      'Units held by ACTIVE reservations',
      `SELECT coalesce(sum(quantity), 0)::int AS v FROM reservations WHERE state = 'ACTIVE'`,
    ),
    // The release-lag histogram only sees reservations the sweeper did release: with the sweeper
    // stalled or down it goes quiet while stock stays held. This gauge sees those from the table.
    reservationOverdue: dbGauge(
      'shop_reservation_overdue_seconds',
      'How long past its expires_at the oldest still-ACTIVE reservation is (0 when none is due)',
      `SELECT coalesce(extract(epoch FROM now() - min(expires_at)), 0)::float AS v FROM reservations
        WHERE state = 'ACTIVE' AND expires_at <= now()`,
    ),
    outboxLag: dbGauge(
      'shop_outbox_lag_seconds',
      'Age of the oldest due, unprocessed outbox event',
      `SELECT coalesce(extract(epoch FROM now() - min(available_at)), 0)::float AS v FROM outbox_events
        WHERE processed_at IS NULL AND failed_at IS NULL AND available_at <= now()`,
    ),
    outboxParked: dbGauge(
      'shop_outbox_failed_jobs',
      'Outbox events that exhausted their retries and wait for an operator',
      `SELECT count(*)::int AS v FROM outbox_events WHERE failed_at IS NOT NULL`,
    ),
    eventsPublished: new client.Counter({
      name: 'shop_events_published_total',
      help: 'Domain events the broker confirmed (or, without a broker, the in-process consumers took), by type',
      labelNames: ['type'],
      ...opts,
    }),
    eventRelayLag: new client.Histogram({
      name: 'shop_event_relay_lag_seconds',
      help: 'From the commit that wrote a domain event to the broker confirming it (or the in-process consumers committing it)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      ...opts,
    }),
    eventsRefused: new client.Counter({
      name: 'shop_events_refused_total',
      help: 'Domain events the relay did not send: their type, data or aggregate breaks the event contract (src/events/contract.ts)',
      labelNames: ['type'],
      ...opts,
    }),
    eventRelayErrors: new client.Counter({
      name: 'shop_event_relay_errors_total',
      help: 'Relay rounds that failed (broker unreachable, publish not confirmed); their events stay unsent',
      ...opts,
    }),
    eventsConsumed: new client.Counter({
      name: 'shop_events_consumed_total',
      help: 'Domain events a consumer handled: applied, or a duplicate its inbox already had',
      labelNames: ['consumer', 'outcome'],
      ...opts,
    }),
    eventsRejected: new client.Counter({
      name: 'shop_events_rejected_total',
      help: 'Broker messages a consumer refused, acked unapplied: no domain event has their id (unknown) or the one that has differs (altered)',
      labelNames: ['consumer', 'reason'],
      ...opts,
    }),
    eventConsumerErrors: new client.Counter({
      name: 'shop_event_consumer_errors_total',
      help: 'Messages a consumer could not handle (requeued; dead-lettered past the delivery limit), by reason',
      labelNames: ['consumer', 'reason'],
      ...opts,
    }),
    // Only a process that relays reports it: without a broker, events stay in PostgreSQL by design.
    eventBacklog: dbGauge(
      'shop_event_backlog_oldest_seconds',
      'Age of the oldest domain event the broker has not confirmed (0 when none waits, or when this process does not relay)',
      `SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)::float AS v FROM domain_events
        WHERE published_at IS NULL`,
      eventRelay,
    ),
    eventDeadLetters: new client.Gauge({
      name: 'shop_event_dead_letters',
      help: 'Domain events a consumer gave up on, waiting for an operator (shopctl events dead-letters)',
      ...opts,
      async collect() {
        const n = await deadLetters?.().catch(() => null);
        if (n !== null && n !== undefined) this.set(n);
      },
    }),
    // Read from PostgreSQL at scrape time, like the backlogs above: every process reports the same.
    searchIndexLag: new client.Gauge({
      name: 'shop_search_index_lag_seconds',
      help: 'How long ago the oldest product change the search index does not hold yet happened (0 when it holds them all, or search runs on PostgreSQL)',
      ...opts,
      async collect() {
        searchLagRead ??= (searchIndexLag?.() ?? Promise.resolve(0)).finally(() => {
          searchLagRead = null;
        });
        const v = await searchLagRead.catch(() => null);
        if (v !== null) this.set(v);
      },
    }),
    searchIndexApplyLag: new client.Histogram({
      name: 'shop_search_index_apply_lag_seconds',
      help: 'From a product change (the oldest one its document was owed) to the search engine taking the document',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      ...opts,
    }),
    searchIndexDocuments: new client.Counter({
      name: 'shop_search_index_documents_total',
      help: 'Product documents the indexer sent the search engine, by outcome: applied, stale (it held a newer version), rejected (refused for good), retried (not taken now; sent again)',
      labelNames: ['outcome'],
      ...opts,
    }),
    oversellIncidents: new client.Counter({
      name: 'shop_oversell_incidents_total',
      help: 'Invariant violations found by the invariant checker (service audits and shopctl audit)',
      ...opts,
      async collect() {
        this.reset();
        this.inc(await readCounter('oversell_incidents'));
      },
    }),
    cacheDrift: new client.Gauge({
      name: 'shop_inventory_cache_drift',
      help: 'Largest |cached available − database available| seen by the last reconcile',
      ...opts,
      async collect() {
        this.set(await readCounter('inventory_cache_drift'));
      },
    }),
    searchFallbacks: new client.Counter({
      name: 'shop_search_fallbacks_total',
      help: 'Searches answered from PostgreSQL in the search engine’s place, by reason: timeout (past SEARCH_TIMEOUT), unreachable, index_missing, error, breaker_open (the engine was not tried)',
      labelNames: ['reason'],
      ...opts,
    }),
    // Measured by this process's replica monitor each tick (src/db/replica.ts); not exported
    // without DATABASE_REPLICA_URL (an up of 0 there would read as a replica down).
    replicaLag: new client.Gauge({
      name: 'shop_replica_lag_seconds',
      help: 'How far the read replica trails the primary, by WAL position (an upper bound, exact to one tick); past REPLICA_MAX_LAG its reads go to the primary',
      ...replicaOpts,
    }),
    replicaUp: new client.Gauge({
      name: 'shop_replica_up',
      help: '1 while the read replica answers as a copy of the primary (lagging or not), 0 while it is unreachable or not a copy of the primary',
      ...replicaOpts,
    }),
    replicaReads: new client.Counter({
      name: 'shop_replica_reads_total',
      help: 'Reads that may trail the primary (browse, categories, suggestions, product pages), by where they ran, and for the primary why: down, lagging (past REPLICA_MAX_LAG), behind_write (the replica has not replayed a product change yet), error (the replica failed mid-read)',
      labelNames: ['target', 'reason'],
      ...replicaOpts,
    }),
    // From the tables, like the backlogs: the batch runs in one process, every process reports it.
    recommendationsBatchAge: dbGauge(
      'shop_recommendations_batch_age_seconds',
      'How long ago the recommendations served were built (since the migration, before the first batch)',
      `SELECT coalesce(extract(epoch FROM now() - built_at), 0)::float AS v FROM recommendation_state`,
    ),
    recommendationsBatchDuration: dbGauge(
      'shop_recommendations_batch_duration_seconds',
      'How long the batch that built the recommendations served took (0 before the first)',
      `SELECT coalesce(max(b.duration_ms), 0)::float / 1000 AS v FROM recommendation_batches b
         JOIN recommendation_state s ON s.generation = b.generation`,
    ),
    // Set by the search breaker as it moves; always 1 where search runs on PostgreSQL alone.
    searchBackendUp: new client.Gauge({
      name: 'shop_search_backend_up',
      help: '1 while browse searches the configured backend, 0 while the search breaker sends it to PostgreSQL instead',
      ...opts,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Adds to (or, with `set`, replaces) a shared counter in ops_counters. */
export async function bumpOpsCounter(db: Db, name: string, value: number, mode: 'add' | 'set' = 'add') {
  await db.raw(
    `INSERT INTO ops_counters (name, value) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET value = ${mode === 'add' ? 'ops_counters.value + excluded.value' : 'excluded.value'}, updated_at = now()`,
    [name, value],
  );
}
