import type { Knex } from 'knex';

/**
 * In-process delivery of domain events, for a store without a broker: the consumers take events
 * straight from `domain_events`. An event a consumer fails on waits (`retry_at`, backing off) and
 * is tried again; past the delivery limit it is recorded in `event_dead_letters` for an operator
 * (the same limit and the same `shopctl events dead-letters` as with RabbitMQ). A dead letter keeps
 * its envelope: the event row itself may be gone to retention by the time it is replayed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('domain_events', (t) => {
    t.timestamp('retry_at', { useTz: true });
  });
  await knex.schema.createTable('event_dead_letters', (t) => {
    t.bigIncrements('id').primary();
    t.text('consumer').notNullable();
    t.uuid('event_id').notNullable();
    t.jsonb('envelope').notNullable();
    t.text('error').notNullable();
    t.integer('deliveries').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['consumer', 'event_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('event_dead_letters');
  await knex.schema.alterTable('domain_events', (t) => {
    t.dropColumn('retry_at');
  });
}
