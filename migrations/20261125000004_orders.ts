import type { Knex } from 'knex';

const ORDER_STATUSES = "'PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'PAYMENT_FAILED', 'EXPIRED', 'CANCELLED'";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('orders', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('user_id').notNullable().references('id').inTable('users');
    t.uuid('cart_id').references('id').inTable('carts').onDelete('SET NULL');
    t.text('status').notNullable().defaultTo('PENDING');
    t.integer('total_cents').notNullable();
    t.specificType('currency', 'char(3)').notNullable().defaultTo('USD');
    t.jsonb('shipping_address').notNullable();
    t.text('payment_method').notNullable();
    t.text('idempotency_key');
    t.text('status_reason');
    t.text('carrier');
    t.text('tracking_number');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`status IN (${ORDER_STATUSES})`, [], 'orders_status_valid');
    t.check('total_cents >= 0', [], 'orders_total_nonnegative');
    t.unique(['user_id', 'idempotency_key'], { indexName: 'orders_user_idempotency_key_unique' });
  });
  await knex.raw('CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX orders_status_idx ON orders (status, created_at)');
  // A converted cart belongs to exactly one order.
  await knex.raw('CREATE UNIQUE INDEX orders_cart_unique ON orders (cart_id) WHERE cart_id IS NOT NULL');

  await knex.schema.createTable('order_items', (t) => {
    t.uuid('order_id').notNullable().references('id').inTable('orders').onDelete('CASCADE');
    t.bigInteger('product_id').notNullable().references('id').inTable('products');
    t.text('sku').notNullable();
    t.text('name').notNullable();
    t.integer('quantity').notNullable();
    t.integer('price_at_purchase_cents').notNullable();
    t.primary(['order_id', 'product_id']);
    t.check('quantity > 0', [], 'order_items_quantity_positive');
    t.check('price_at_purchase_cents >= 0', [], 'order_items_price_nonnegative');
  });

  await knex.schema.createTable('reservations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('order_id').notNullable().references('id').inTable('orders').onDelete('CASCADE');
    t.bigInteger('product_id').notNullable().references('id').inTable('products');
    t.integer('quantity').notNullable();
    t.text('state').notNullable().defaultTo('ACTIVE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('quantity > 0', [], 'reservations_quantity_positive');
    t.check("state IN ('ACTIVE', 'CONFIRMED', 'RELEASED')", [], 'reservations_state_valid');
  });
  await knex.raw(
    "CREATE INDEX reservations_active_expiry_idx ON reservations (expires_at) WHERE state = 'ACTIVE'",
  );
  await knex.raw('CREATE INDEX reservations_order_idx ON reservations (order_id)');
  await knex.raw(
    "CREATE INDEX reservations_product_active_idx ON reservations (product_id) WHERE state = 'ACTIVE'",
  );

  await knex.schema.createTable('payments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('order_id').notNullable().references('id').inTable('orders').onDelete('CASCADE');
    t.text('provider').notNullable();
    t.text('provider_ref');
    t.text('kind').notNullable().defaultTo('charge');
    t.text('state').notNullable();
    t.integer('amount_cents').notNullable();
    t.text('idempotency_key').notNullable().unique();
    t.text('failure_code');
    t.jsonb('next_action');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("kind IN ('charge', 'refund')", [], 'payments_kind_valid');
    t.check(
      "state IN ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')",
      [],
      'payments_state_valid',
    );
    t.check('amount_cents >= 0', [], 'payments_amount_nonnegative');
    t.index(['order_id']);
  });

  await knex.schema.createTable('order_status_history', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('order_id').notNullable().references('id').inTable('orders').onDelete('CASCADE');
    t.text('from_status');
    t.text('to_status').notNullable();
    t.text('reason');
    t.text('actor').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['order_id', 'id']);
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('key').notNullable();
    t.text('request_hash').notNullable();
    t.integer('response_status');
    // json, not jsonb: a replay must return the stored answer byte for byte, key order included.
    t.json('response_body');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['user_id', 'key']);
    t.check('length(key) BETWEEN 1 AND 255', [], 'idempotency_keys_key_length');
  });
  await knex.raw('CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('idempotency_keys');
  await knex.schema.dropTable('order_status_history');
  await knex.schema.dropTable('payments');
  await knex.schema.dropTable('reservations');
  await knex.schema.dropTable('order_items');
  await knex.schema.dropTable('orders');
}
