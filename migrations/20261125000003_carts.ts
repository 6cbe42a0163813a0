import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('carts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').references('id').inTable('users').onDelete('CASCADE');
    // Guests hold a random cart token; only its hash is stored.
    t.text('guest_token_hash').unique();
    t.text('status').notNullable().defaultTo('active');
    t.bigInteger('version').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('converted_at', { useTz: true });
    t.check("status IN ('active', 'converted', 'merged')", [], 'carts_status_valid');
    t.check('user_id IS NOT NULL OR guest_token_hash IS NOT NULL', [], 'carts_has_owner');
  });
  await knex.raw("CREATE UNIQUE INDEX carts_one_active_per_user ON carts (user_id) WHERE status = 'active'");
  await knex.raw("CREATE INDEX carts_stale_idx ON carts (updated_at) WHERE status <> 'converted'");

  await knex.schema.createTable('cart_items', (t) => {
    t.uuid('cart_id').notNullable().references('id').inTable('carts').onDelete('CASCADE');
    t.bigInteger('product_id').notNullable().references('id').inTable('products').onDelete('CASCADE');
    t.integer('quantity').notNullable();
    t.integer('price_cents_at_add').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['cart_id', 'product_id']);
    t.check('quantity > 0', [], 'cart_items_quantity_positive');
    t.check('price_cents_at_add >= 0', [], 'cart_items_price_nonnegative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cart_items');
  await knex.schema.dropTable('carts');
}
