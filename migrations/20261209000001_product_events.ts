import type { Knex } from 'knex';

/**
 * Product events, written by statement-level triggers in the statement that changes products, as
 * the order, price and stock events are (20261202000007, 20261202000010): an event exists exactly
 * when its change committed, one INSERT per statement however many rows it wrote.
 *
 * - product.created: one per inserted product (the admin API, imports, the seed, fixtures).
 * - product.updated: one per product whose catalog fields changed (name, description, category,
 *   currency, active); `changed` names them, so an activation or deactivation is an update with
 *   `active` in `changed` and the new `active`. A price alone is price.changed; purchase limits,
 *   low-stock thresholds and updated_at are not catalog fields and make no event.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION product_created_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO domain_events (type, aggregate_type, aggregate_id, data)
      SELECT 'product.created', 'product', n.id::text,
             jsonb_build_object('product_id', n.id, 'sku', n.sku, 'category', n.category,
                                'price_cents', n.price_cents, 'currency', n.currency, 'active', n.active)
        FROM new_rows n
       ORDER BY n.id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER product_created_events AFTER INSERT ON products
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_created_events()`);

  await knex.raw(`
    CREATE FUNCTION product_updated_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO domain_events (type, aggregate_type, aggregate_id, data)
      SELECT 'product.updated', 'product', n.id::text,
             jsonb_build_object('product_id', n.id, 'sku', n.sku, 'changed', to_jsonb(c.fields),
                                'active', n.active)
        FROM new_rows n
        JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (
          SELECT array_remove(ARRAY[
                   CASE WHEN n.name IS DISTINCT FROM o.name THEN 'name' END,
                   CASE WHEN n.description IS DISTINCT FROM o.description THEN 'description' END,
                   CASE WHEN n.category IS DISTINCT FROM o.category THEN 'category' END,
                   CASE WHEN n.currency IS DISTINCT FROM o.currency THEN 'currency' END,
                   CASE WHEN n.active IS DISTINCT FROM o.active THEN 'active' END
                 ], NULL) AS fields
        ) c
       WHERE cardinality(c.fields) > 0
       ORDER BY n.id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER product_updated_events AFTER UPDATE ON products
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_updated_events()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER product_updated_events ON products');
  await knex.raw('DROP FUNCTION product_updated_events()');
  await knex.raw('DROP TRIGGER product_created_events ON products');
  await knex.raw('DROP FUNCTION product_created_events()');
}
