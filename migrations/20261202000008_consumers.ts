import type { Knex } from 'knex';

/**
 * Consumers of domain events. `consumer_inbox` makes each consumer's effect single: the message id
 * is recorded in the transaction that applies the effect, so a redelivery (a crash before the
 * ack, a replay) finds it there and only acknowledges. `notifications` is what the notifications
 * consumer writes: one row per event for the customer it concerns, or for the admins.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('consumer_inbox', (t) => {
    t.text('consumer').notNullable();
    t.uuid('event_id').notNullable();
    t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['consumer', 'event_id']);
  });
  await knex.schema.createTable('notifications', (t) => {
    t.bigIncrements('id').primary();
    t.text('audience').notNullable();
    t.uuid('user_id').references('id').inTable('users').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.uuid('order_id');
    t.text('message').notNullable();
    t.uuid('event_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("audience IN ('customer', 'admins')", [], 'notifications_audience_valid');
    t.check("(audience = 'customer') = (user_id IS NOT NULL)", [], 'notifications_customer_has_user');
  });
  await knex.raw(
    'CREATE INDEX notifications_user_idx ON notifications (user_id, id DESC) WHERE user_id IS NOT NULL',
  );
  await knex.raw(
    'CREATE INDEX notifications_order_idx ON notifications (order_id) WHERE order_id IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notifications');
  await knex.schema.dropTable('consumer_inbox');
}
