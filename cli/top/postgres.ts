import knex from 'knex';
import { createLiveStore, type LiveOptions } from '../../src/audit/index.js';
import { type Db, databaseName, knexConfig } from '../../src/db/index.js';
import { failedSnapshot, type Snapshot } from './snapshot.js';

/**
 * Its own small pool, read-only, with a statement timeout so a slow tick never piles up behind
 * a sale's transactions, no parallel workers (two cores are the sale's), and constraint_exclusion
 * on, which lets the planner answer the no-oversell check from the inventory CHECK constraints.
 */
export function connectReadOnly(url: string, timeoutMs: number): Db {
  const config = knexConfig(url, 3);
  // A failed connection is shown in the frame; knex would also print it, over the screen.
  const quiet = () => {};
  return knex({
    ...config,
    log: { warn: quiet, error: quiet, debug: quiet, deprecate: quiet },
    connection: {
      connectionString: url,
      application_name: 'shopctl top',
      options: [
        '-c default_transaction_read_only=on',
        `-c statement_timeout=${Math.max(100, Math.round(timeoutMs))}`,
        '-c max_parallel_workers_per_gather=0',
        '-c constraint_exclusion=on',
      ].join(' '),
    },
  });
}

const STATUS_KEYS: Record<string, string> = {
  CREATED: 'checkout.completed',
  PAID: 'settled:paid',
  PAYMENT_FAILED: 'settled:payment_failed',
  EXPIRED: 'settled:expired',
  CANCELLED: 'settled:cancelled',
};

/** Snapshots of the store from PostgreSQL: what the orders, ledger and queues tables show. */
export function postgresSource(db: Db, url: string, options: LiveOptions = {}) {
  const store = createLiveStore(db, options);
  const u = new URL(url);
  const target = `postgres ${u.hostname}${u.port ? `:${u.port}` : ''}/${databaseName(url)}`;
  return {
    target,
    async take(): Promise<Snapshot> {
      const at = Date.now();
      try {
        const r = await store.read();
        const counters: Record<string, number> = {};
        for (const key of Object.values(STATUS_KEYS)) counters[key] = 0;
        for (const [status, n] of Object.entries(r.transitions)) {
          const key = STATUS_KEYS[status];
          if (key) counters[key] = n;
        }
        counters['reservations.expired'] = counters['settled:expired']!;
        return {
          source: 'postgres',
          target,
          at,
          instances: [{ name: target, up: true, error: null }],
          readings: [
            {
              name: target,
              at: r.flowsUpTo.getTime(),
              counters,
              histograms: { checkout_to_paid: r.checkoutToPaid },
            },
          ],
          state: {
            payments: r.payments,
            reservations: { ...r.reservations, active_unit: 'reservations' },
            events: r.events,
            oversell: r.oversell,
          },
          hot: r.hot,
        };
      } catch (err) {
        return failedSnapshot('postgres', target, at, [
          { name: target, up: false, error: (err as Error).message },
        ]);
      }
    },
  };
}
