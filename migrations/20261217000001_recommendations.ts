import type { Knex } from 'knex';

/**
 * "Customers who bought this also bought", computed by a daily batch (src/recommendations).
 *
 * - `product_recommendations`: each batch writes its rows under a new generation; readers read the
 *   generation `recommendation_state` names, so the batch flips that one row (and deletes the older
 *   generation) in the transaction that wrote the new one: a reader sees the whole old list or the
 *   whole new one, never a mix and never nothing. No foreign keys: the batch writes a million rows
 *   at once and deletes as many, and every id it writes was read from products in that transaction.
 * - `recommendation_state`: one row, the generation served and when it was built. Created with
 *   generation 0 (no rows) and the migration's time, so a store whose batch never ran reads as stale.
 * - `recommendation_batches`: one row per finished batch: when it ran, how long it took, what it read.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('product_recommendations', (t) => {
    t.bigInteger('generation').notNullable();
    t.bigInteger('product_id').notNullable();
    t.smallint('rank').notNullable();
    t.bigInteger('recommended_id').notNullable();
    t.double('score').notNullable();
    t.integer('co_purchases').notNullable();
    t.primary(['generation', 'product_id', 'rank']);
  });

  await knex.schema.createTable('recommendation_state', (t) => {
    t.boolean('id').primary().defaultTo(true);
    t.bigInteger('generation').notNullable().defaultTo(0);
    t.timestamp('built_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('id', [], 'recommendation_state_one_row');
  });
  await knex('recommendation_state').insert({ id: true });

  await knex.schema.createTable('recommendation_batches', (t) => {
    t.bigInteger('generation').primary();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('window_seconds').notNullable();
    t.integer('min_support').notNullable();
    t.integer('orders').notNullable();
    t.integer('products').notNullable();
    t.integer('recommendations').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('recommendation_batches');
  await knex.schema.dropTable('recommendation_state');
  await knex.schema.dropTable('product_recommendations');
}
