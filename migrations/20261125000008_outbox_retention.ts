import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Parked jobs are counted on every scrape; processed ones are deleted by age (jobs/index.ts).
  await knex.raw(
    'CREATE INDEX outbox_events_failed_idx ON outbox_events (failed_at) WHERE failed_at IS NOT NULL',
  );
  await knex.raw(
    'CREATE INDEX outbox_events_processed_idx ON outbox_events (processed_at) WHERE processed_at IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX outbox_events_processed_idx');
  await knex.raw('DROP INDEX outbox_events_failed_idx');
}
