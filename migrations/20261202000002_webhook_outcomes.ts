import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // What each webhook came to, and how often it was delivered before it was handled.
  await knex.schema.alterTable('webhook_events', (t) => {
    t.text('outcome');
    t.integer('deliveries').notNullable().defaultTo(1);
    t.text('object_id');
    // One delivery handles an event at a time; a handler that dies lets the next delivery in.
    t.timestamp('claimed_until', { useTz: true });
  });
  await knex.raw('CREATE INDEX webhook_events_object_idx ON webhook_events (object_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX webhook_events_object_idx');
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropColumn('claimed_until');
    t.dropColumn('object_id');
    t.dropColumn('deliveries');
    t.dropColumn('outcome');
  });
}
