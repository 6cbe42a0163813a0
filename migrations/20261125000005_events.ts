import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Transactional outbox: written in the same transaction as the change it announces,
  // claimed by workers with FOR UPDATE SKIP LOCKED.
  await knex.schema.createTable('outbox_events', (t) => {
    t.bigIncrements('id').primary();
    t.text('topic').notNullable();
    t.text('aggregate_id').notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('available_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
  });
  await knex.raw(
    'CREATE INDEX outbox_events_pending_idx ON outbox_events (available_at, id) WHERE processed_at IS NULL AND failed_at IS NULL',
  );

  await knex.schema.createTable('webhook_events', (t) => {
    t.text('id').primary();
    t.text('provider').notNullable();
    t.text('type').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_events');
  await knex.schema.dropTable('outbox_events');
}
