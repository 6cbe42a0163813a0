import type { Knex } from 'knex';

/**
 * Browse at a million products.
 *
 * - `categories.product_count` (active products) is kept by statement-level triggers with
 *   transition tables: one UPDATE per statement, however many rows it wrote, so /categories and
 *   category totals read a row instead of counting the catalog.
 * - Every browse order has an index that ends in the id tie-breaker, with and without a category
 *   in front, so keyset pages (cursor) and first pages read only the rows they return.
 * - `browse_row_estimate(query)`: the planner's row estimate for a query (EXPLAIN, never run), so
 *   a browse summary gets its estimated total in the same round trip as its bounded count.
 */
export async function up(knex: Knex): Promise<void> {
  // No product changes between the count below and the triggers that keep it.
  await knex.raw('LOCK TABLE products IN SHARE MODE');
  await knex.raw('ALTER TABLE categories ADD COLUMN product_count integer NOT NULL DEFAULT 0');
  await knex.raw(`
    UPDATE categories c SET product_count = n.count
      FROM (SELECT category, count(*)::int AS count FROM products WHERE active GROUP BY category) n
     WHERE n.category = c.slug`);
  // Counted from the rows a statement touched: + for new active rows, - for old active rows. The
  // category rows are locked in slug order first, so two writers touching the same categories
  // wait for each other instead of deadlocking.
  await knex.raw(`
    CREATE FUNCTION categories_count_products() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM categories WHERE slug IN (SELECT category FROM new_rows) ORDER BY slug FOR NO KEY UPDATE;
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM categories WHERE slug IN (SELECT category FROM old_rows) ORDER BY slug FOR NO KEY UPDATE;
      ELSE
        PERFORM 1 FROM categories
         WHERE slug IN (SELECT category FROM new_rows UNION SELECT category FROM old_rows)
         ORDER BY slug FOR NO KEY UPDATE;
      END IF;
      IF TG_OP = 'INSERT' THEN
        UPDATE categories c SET product_count = c.product_count + d.delta
          FROM (SELECT category, count(*)::int AS delta FROM new_rows WHERE active GROUP BY category) d
         WHERE c.slug = d.category;
      ELSIF TG_OP = 'DELETE' THEN
        UPDATE categories c SET product_count = c.product_count - d.delta
          FROM (SELECT category, count(*)::int AS delta FROM old_rows WHERE active GROUP BY category) d
         WHERE c.slug = d.category;
      ELSE
        UPDATE categories c SET product_count = c.product_count + d.delta
          FROM (SELECT category, sum(delta)::int AS delta
                  FROM (SELECT category, 1 AS delta FROM new_rows WHERE active
                        UNION ALL
                        SELECT category, -1 FROM old_rows WHERE active) m
                 GROUP BY category HAVING sum(delta) <> 0) d
         WHERE c.slug = d.category;
      END IF;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER products_count_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION categories_count_products()`);
  await knex.raw(`
    CREATE TRIGGER products_count_update AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION categories_count_products()`);
  await knex.raw(`
    CREATE TRIGGER products_count_delete AFTER DELETE ON products
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION categories_count_products()`);

  await knex.raw(`
    CREATE FUNCTION browse_row_estimate(query text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
    DECLARE plan json;
    BEGIN
      EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
      RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric::bigint;
    END $$`);

  // A renamed category keeps its products through ON UPDATE CASCADE, whose UPDATE of products
  // counts them into the new slug again: the renamed row starts from zero.
  await knex.raw(`
    CREATE FUNCTION categories_rename_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.product_count := 0;
      RETURN NEW;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER categories_rename_count BEFORE UPDATE OF slug ON categories
    FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION categories_rename_count()`);

  await knex.raw('DROP INDEX products_price_idx');
  await knex.raw('DROP INDEX products_category_price_idx');
  await knex.raw('CREATE INDEX products_price_idx ON products (price_cents, id) WHERE active');
  await knex.raw(
    'CREATE INDEX products_category_price_idx ON products (category, price_cents, id) WHERE active',
  );
  await knex.raw(
    'CREATE INDEX products_category_created_idx ON products (category, created_at DESC, id DESC) WHERE active',
  );
  await knex.raw(
    'CREATE INDEX products_category_name_idx ON products (category, lower(name), id) WHERE active',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX products_category_name_idx');
  await knex.raw('DROP INDEX products_category_created_idx');
  await knex.raw('DROP INDEX products_category_price_idx');
  await knex.raw('DROP INDEX products_price_idx');
  await knex.raw('CREATE INDEX products_category_price_idx ON products (category, price_cents) WHERE active');
  await knex.raw('CREATE INDEX products_price_idx ON products (price_cents) WHERE active');
  await knex.raw('DROP FUNCTION browse_row_estimate(text)');
  await knex.raw('DROP TRIGGER categories_rename_count ON categories');
  await knex.raw('DROP FUNCTION categories_rename_count()');
  await knex.raw('DROP TRIGGER products_count_delete ON products');
  await knex.raw('DROP TRIGGER products_count_update ON products');
  await knex.raw('DROP TRIGGER products_count_insert ON products');
  await knex.raw('DROP FUNCTION categories_count_products()');
  await knex.raw('ALTER TABLE categories DROP COLUMN product_count');
}
