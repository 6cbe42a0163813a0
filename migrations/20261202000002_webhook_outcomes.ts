import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // What each webhook came to, and how often it was delivered before it was handled.
  await knex.schema.alterTable('webhook_events', (t) => {
    t.text('outcome');
    t.integer('deliveries').notNullable().defaultTo(1);
    t.text('object_id');
  });
  await knex.raw('CREATE INDEX webhook_events_object_idx ON webhook_events (object_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX webhook_events_object_idx');
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropColumn('object_id');
    t.dropColumn('deliveries');
    t.dropColumn('outcome');
  });
}
