import { checkInvariants, reconcile } from '../audit/index.js';
import { deleteExpiredIdempotencyKeys } from '../checkout/index.js';
import type { Container } from '../container.js';
import { deleteExpiredEvents } from '../events/index.js';
import { recordDefaultLowStockThreshold } from '../inventory/index.js';
import { deleteProcessedOutboxEvents, listenForOutboxEvents } from '../outbox/index.js';
import { retentionTasks } from './retention.js';
import { claimTurn } from './runs.js';
import { type PeriodicTask, startScheduler } from './scheduler.js';

/**
 * The periodic work every service process schedules: expiry, audits, retention. Expiry and the
 * warehouse are shared (SKIP LOCKED: every process takes rows, so a dead one slows nothing); the
 * whole-store audits and the retention deletes run once per interval across the fleet.
 */
export function backgroundTasks(c: Container): PeriodicTask[] {
  return [
    { name: 'reservation-sweeper', intervalMs: c.config.jobs.sweeperIntervalMs, run: () => c.sweep() },
    { name: 'cart-retention', intervalMs: 3_600_000, fleet: 'once', run: () => c.cart.purgeStaleCarts() },
    // Watchdogs: their findings feed shop_oversell_incidents_total and shop_inventory_cache_drift,
    // counted in PostgreSQL for every instance: N processes auditing would count one incident N times.
    {
      name: 'invariant-audit',
      intervalMs: c.config.jobs.auditIntervalMs,
      fleet: 'once',
      run: () => checkInvariants(c.db, { incremental: true }),
    },
    {
      name: 'reconcile-report',
      intervalMs: c.config.jobs.auditIntervalMs,
      fleet: 'once',
      run: () => reconcile(c.db, c.cache),
    },
    {
      name: 'outbox-retention',
      intervalMs: 3_600_000,
      fleet: 'once',
      run: () => deleteProcessedOutboxEvents(c.db),
    },
    {
      name: 'fulfillment',
      intervalMs: c.config.fulfillment.intervalMs,
      run: () => c.advanceFulfillment(),
    },
    {
      name: 'event-retention',
      intervalMs: 3_600_000,
      fleet: 'once',
      run: () =>
        deleteExpiredEvents(c.db, { relayed: Boolean(c.relay), consumers: c.config.events.deployed }),
    },
    // Daily across the fleet; checked hourly, so a process restarted since the last run still takes the next turn.
    {
      name: 'recommendations',
      intervalMs: c.config.recommendations.intervalMs,
      checkEveryMs: Math.min(c.config.recommendations.intervalMs, 3_600_000),
      fleet: 'once',
      run: () => c.recommendations.rebuild(),
    },
    {
      name: 'idempotency-retention',
      intervalMs: 3_600_000,
      fleet: 'once',
      run: () => deleteExpiredIdempotencyKeys(c.db),
    },
    // Every other table's retention rule (retention.ts), and the monthly order archive.
    ...retentionTasks(c),
  ];
}

/**
 * Everything a service process runs besides HTTP: the outbox pump (payments and refunds), woken by
 * LISTEN/NOTIFY the moment an order is placed and polling every WORKER_INTERVAL as a fallback,
 * the domain-event relay to RabbitMQ (with AMQP_URL), the search indexer (with SEARCH_BACKEND=opensearch
 * and the search-index consumer), and the periodic tasks.
 */
export function startBackgroundJobs(c: Container) {
  const pump = c.worker.start(c.config.jobs.workerIntervalMs);
  const listener = listenForOutboxEvents(c.config.db.url, () => c.worker.nudge(), c.logger);
  const scheduler = startScheduler(backgroundTasks(c), c.logger, {
    claimTurn: (task) => claimTurn(c.db, task.name, task.intervalMs),
  });
  void recordDefaultLowStockThreshold(c.db, c.config.lowStockThreshold).catch((err) =>
    c.logger.warn({ err }, 'could not record LOW_STOCK_THRESHOLD'),
  );
  const relay = c.relay?.start();
  const consumers = c.startConsumers();
  const indexer = c.searchIndexer?.start();
  return {
    async stop() {
      await listener.close();
      await Promise.all([
        pump.stop(),
        scheduler.stop(),
        relay?.stop(),
        indexer?.stop(),
        ...consumers.map((x) => x.stop()),
      ]);
    },
  };
}

export { retentionRules } from './retention.js';
