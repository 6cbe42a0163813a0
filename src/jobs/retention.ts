import { archiveCutoff, archiveOrders, ORDER_CHILD_TABLES, ordersRetention } from '../archive/index.js';
import { idempotencyRetention } from '../checkout/index.js';
import type { Container } from '../container.js';
import { keptRule, type RetentionRule } from '../db/retention.js';
import { deadLettersRetention, eventsRetention, inboxRetention } from '../events/index.js';
import { ledgerRetention } from '../inventory/index.js';
import { notificationsRetention } from '../notifications/index.js';
import { outboxRetention } from '../outbox/index.js';
import { webhookEventsRetention } from '../payments/index.js';
import { recommendationsRetention } from '../recommendations/index.js';
import { endedTokensRetention } from '../users/index.js';
import type { PeriodicTask } from './scheduler.js';

/**
 * Every table's lifetime, each rule written by the room that owns the table: what the jobs delete
 * and what `shopctl db retention` lists. Tables kept for good say why.
 */
export function retentionRules(c: Container): RetentionRule[] {
  const events = { relayed: Boolean(c.relay), consumers: c.config.events.deployed };
  return [
    ordersRetention(c.config.archive.orderRetentionMs),
    ...ORDER_CHILD_TABLES.map((t) => keptRule(t, 'with their order (archived with it, then removed)')),
    c.cart.retentionRule(),
    keptRule('cart_items', 'with their cart'),
    idempotencyRetention,
    outboxRetention,
    eventsRetention(events),
    inboxRetention,
    deadLettersRetention,
    notificationsRetention,
    webhookEventsRetention,
    endedTokensRetention,
    ledgerRetention(c.config.archive.orderRetentionMs),
    ...recommendationsRetention,
    keptRule('admin_audit_log', 'kept: who changed what, for good'),
    keptRule('users', 'kept while the account exists (its orders, tokens and carts go by their own rules)'),
    // Bounded by the catalog or by a fixed set of names: they grow with the store, not with time.
    keptRule('products', 'kept: orders and the ledger name them (a retired product is deactivated)'),
    keptRule('categories', 'kept: one row per category'),
    keptRule('inventory', 'one row per product'),
    keptRule('search_words', "bounded by the catalog's vocabulary"),
    keptRule('search_index_state', 'one row per product'),
    keptRule('search_index_builds', 'one row per reindex in progress, removed when it ends'),
    keptRule('job_runs', 'one row per periodic task'),
    keptRule('ops_counters', 'one row per counter'),
    keptRule('shop_settings', 'one row'),
  ];
}

/** Rule tables already run by their own task in backgroundTasks (named before this list existed). */
const SCHEDULED_ELSEWHERE = new Set(['carts', 'outbox_events', 'domain_events', 'idempotency_keys']);

/**
 * The periodic deletes of the retention rules not scheduled on their own, one task each (one
 * failing does not hold up the others), hourly and once across the fleet; and the order archive,
 * daily and once across the fleet. The archive's cut-off is the first of the month
 * ORDER_RETENTION ago, so each month is archived whole, in one file, the day it falls due; the
 * other days find nothing to do (or the few orders that finished late). A daily turn rather than
 * a 30-day timer: a process down on the first of the month delays it a day, not a month (and a
 * 30-day setTimeout overflows Node's 24.8-day limit). The turn is checked hourly.
 */
export function retentionTasks(c: Container): PeriodicTask[] {
  const hourly = retentionRules(c)
    .filter((r) => r.purge && !SCHEDULED_ELSEWHERE.has(r.table))
    .map(
      (r): PeriodicTask => ({
        name: `${r.table.replaceAll('_', '-')}-retention`,
        intervalMs: 3_600_000,
        fleet: 'once',
        run: () => r.purge!(c.db),
      }),
    );
  return [
    ...hourly,
    {
      name: 'order-archive',
      intervalMs: 86_400_000,
      // Checked hourly: a fleet whose processes restart more often than daily still takes the turn.
      checkEveryMs: 3_600_000,
      fleet: 'once',
      run: async () => {
        const { archive } = c.config;
        const result = await archiveOrders(c.db, {
          before: archiveCutoff(archive.orderRetentionMs),
          dir: archive.dir,
          batchSize: archive.batchSize,
          duty: archive.duty,
          yieldTo: archive.yieldTo,
        });
        if (result.manifestFile) {
          c.logger.info(
            {
              manifest: result.manifestFile,
              orders: result.manifest.orders,
              deleted: result.manifest.deleted,
              kept: result.kept,
              ms: result.ms,
            },
            'orders archived',
          );
        }
      },
    },
  ];
}
