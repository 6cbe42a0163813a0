import { checkInvariants } from '../audit/invariants.js';
import { reconcile } from '../audit/reconcile.js';
import type { Container } from '../container.js';
import { type PeriodicTask, startScheduler } from './scheduler.js';

/** The background work every service process runs: payments and refunds, expiry, retention. */
export function backgroundTasks(c: Container): PeriodicTask[] {
  return [
    { name: 'outbox', intervalMs: c.config.jobs.workerIntervalMs, run: () => c.worker.drain(100) },
    { name: 'reservation-sweeper', intervalMs: c.config.jobs.sweeperIntervalMs, run: () => c.sweep() },
    { name: 'cart-retention', intervalMs: 3_600_000, run: () => c.cart.purgeStaleCarts() },
    // Watchdogs: their findings feed shop_oversell_incidents_total and shop_inventory_cache_drift.
    { name: 'invariant-audit', intervalMs: c.config.jobs.auditIntervalMs, run: () => checkInvariants(c.db) },
    {
      name: 'reconcile-report',
      intervalMs: c.config.jobs.auditIntervalMs,
      run: () => reconcile(c.db, c.cache),
    },
    {
      name: 'outbox-retention',
      intervalMs: 3_600_000,
      run: () =>
        c.db('outbox_events').where('processed_at', '<', c.db.raw("now() - interval '7 days'")).delete(),
    },
    {
      name: 'idempotency-retention',
      intervalMs: 3_600_000,
      run: () => c.db('idempotency_keys').where('expires_at', '<', c.db.fn.now()).delete(),
    },
  ];
}

export const startBackgroundJobs = (c: Container) => startScheduler(backgroundTasks(c), c.logger);
