import type { Knex } from 'knex';

/**
 * Stock events, from every UPDATE of inventory (checkout batches, settlements, adjustments): one
 * inventory.changed per product a statement changed, and inventory.low when its available count
 * fell below the product's threshold (`products.low_stock_threshold`, else the store's default in
 * `shop_settings`, which the service keeps equal to LOW_STOCK_THRESHOLD).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(
    'ALTER TABLE products ADD COLUMN low_stock_threshold integer CHECK (low_stock_threshold >= 0)',
  );
  await knex.schema.createTable('shop_settings', (t) => {
    t.boolean('id').primary().defaultTo(true);
    t.integer('low_stock_threshold').notNullable().defaultTo(10);
    t.check('id', [], 'shop_settings_one_row');
  });
  await knex('shop_settings').insert({ id: true });
  await knex.raw(`
    CREATE FUNCTION inventory_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO domain_events (type, aggregate_type, aggregate_id, data)
      SELECT e.type, 'product', n.product_id::text,
             jsonb_build_object('product_id', n.product_id, 'sku', p.sku, 'available', n.available_count,
                                'reserved', n.reserved_count, 'sold', n.sold_count,
                                'previous_available', o.available_count, 'threshold', coalesce(p.low_stock_threshold, s.low_stock_threshold))
        FROM new_rows n
        JOIN old_rows o ON o.product_id = n.product_id
        JOIN products p ON p.id = n.product_id
        CROSS JOIN shop_settings s
        CROSS JOIN LATERAL (
          SELECT 'inventory.changed' AS type, 1 AS n
          UNION ALL
          SELECT 'inventory.low', 2
           WHERE n.available_count < coalesce(p.low_stock_threshold, s.low_stock_threshold)
             AND o.available_count >= coalesce(p.low_stock_threshold, s.low_stock_threshold)
        ) e
       WHERE n.available_count IS DISTINCT FROM o.available_count
          OR n.reserved_count IS DISTINCT FROM o.reserved_count
          OR n.sold_count IS DISTINCT FROM o.sold_count
       ORDER BY n.product_id, e.n;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER inventory_events AFTER UPDATE ON inventory
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION inventory_events()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER inventory_events ON inventory');
  await knex.raw('DROP FUNCTION inventory_events()');
  await knex.schema.dropTable('shop_settings');
  await knex.raw('ALTER TABLE products DROP COLUMN low_stock_threshold');
}
