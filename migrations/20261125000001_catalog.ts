import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm');

  await knex.schema.createTable('categories', (t) => {
    t.text('slug').primary();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('products', (t) => {
    t.bigIncrements('id').primary();
    t.text('sku').notNullable().unique();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('category').notNullable().references('slug').inTable('categories').onUpdate('CASCADE');
    t.integer('price_cents').notNullable();
    t.specificType('currency', 'char(3)').notNullable().defaultTo('USD');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('price_cents >= 0', [], 'products_price_cents_nonnegative');
    t.check('length(sku) BETWEEN 1 AND 64', [], 'products_sku_length');
  });
  await knex.raw(`
    ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english', name), 'A') ||
      setweight(to_tsvector('english', description), 'B') ||
      setweight(to_tsvector('english', category), 'C')
    ) STORED`);
  await knex.raw('CREATE INDEX products_search_idx ON products USING gin (search_vector)');
  await knex.raw('CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops)');
  await knex.raw('CREATE INDEX products_category_price_idx ON products (category, price_cents) WHERE active');
  await knex.raw('CREATE INDEX products_price_idx ON products (price_cents) WHERE active');
  await knex.raw('CREATE INDEX products_created_idx ON products (created_at DESC, id DESC) WHERE active');
  await knex.raw('CREATE INDEX products_name_idx ON products (lower(name), id) WHERE active');

  await knex.schema.createTable('inventory', (t) => {
    t.bigInteger('product_id').primary().references('id').inTable('products').onDelete('CASCADE');
    t.integer('available_count').notNullable().defaultTo(0);
    t.integer('reserved_count').notNullable().defaultTo(0);
    t.integer('sold_count').notNullable().defaultTo(0);
    t.bigInteger('version').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('available_count >= 0', [], 'inventory_available_nonnegative');
    t.check('reserved_count >= 0', [], 'inventory_reserved_nonnegative');
    t.check('sold_count >= 0', [], 'inventory_sold_nonnegative');
  });
  await knex.raw('CREATE INDEX inventory_in_stock_idx ON inventory (product_id) WHERE available_count > 0');

  // Append-only: every change to an inventory row has its line here, with who and why.
  await knex.schema.createTable('stock_movements', (t) => {
    t.bigIncrements('id').primary();
    t.bigInteger('product_id').notNullable().references('id').inTable('products').onDelete('CASCADE');
    t.text('kind').notNullable();
    t.integer('quantity').notNullable();
    t.text('reason');
    t.text('actor').notNullable();
    t.uuid('order_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(
      "kind IN ('received', 'reserved', 'released', 'sold', 'restocked', 'adjusted')",
      [],
      'stock_movements_kind_valid',
    );
    // Only an adjustment may be negative (a count correction, shrinkage); every other kind moves units one way.
    t.check("quantity <> 0 AND (kind = 'adjusted' OR quantity > 0)", [], 'stock_movements_quantity_valid');
  });
  await knex.raw('CREATE INDEX stock_movements_product_idx ON stock_movements (product_id, created_at)');
  await knex.raw(
    'CREATE INDEX stock_movements_order_idx ON stock_movements (order_id) WHERE order_id IS NOT NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stock_movements');
  await knex.schema.dropTable('inventory');
  await knex.schema.dropTable('products');
  await knex.schema.dropTable('categories');
}
