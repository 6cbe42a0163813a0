import type { Knex } from 'knex';

/**
 * Indexes for the data lifecycle, built CONCURRENTLY: these tables are large and written by every
 * checkout, and a plain CREATE INDEX would block their writes for the whole build.
 *
 * - orders (created_at, id): the order archive walks a month in this order, and the admins' order
 *   list (every customer's, newest first) reads it backwards instead of sorting the whole table.
 * - outbox_events (aggregate_id) of open jobs: whether an order still has a payment job to run
 *   (money in flight) before it may be archived.
 * - The retention rules' cut-offs: api_tokens by the time they ended (LEAST skips a NULL: the
 *   earlier of expiry and revocation), consumer_inbox by processing, notifications by creation,
 *   webhook_events by receipt, event_dead_letters by creation.
 */
export const config = { transaction: false };

const INDEXES: [name: string, definition: string][] = [
  ['orders_created_idx', 'orders (created_at, id)'],
  ['outbox_events_open_aggregate_idx', 'outbox_events (aggregate_id) WHERE processed_at IS NULL'],
  [
    'api_tokens_ended_idx',
    'api_tokens ((least(expires_at, revoked_at))) WHERE expires_at IS NOT NULL OR revoked_at IS NOT NULL',
  ],
  ['consumer_inbox_processed_idx', 'consumer_inbox (processed_at)'],
  ['notifications_created_idx', 'notifications (created_at)'],
  ['webhook_events_received_idx', 'webhook_events (received_at)'],
  ['event_dead_letters_created_idx', 'event_dead_letters (created_at)'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of INDEXES) {
    // A build that failed half-way leaves an invalid index of the same name behind.
    await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await knex.raw(`CREATE INDEX CONCURRENTLY ${name} ON ${definition}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [name] of INDEXES.reverse()) await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
}
