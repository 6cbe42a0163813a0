import type { Knex } from 'knex';

/**
 * The catalog's vocabulary, for typo correction: a search word that is not in it (nor a prefix of
 * one) is replaced by its most similar word (pg_trgm) before the full-text query, which then runs on
 * the GIN index alone. A trigger keeps it current as products are written; words are never removed
 * (a stale word only costs a correction that finds nothing).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('search_words', (t) => {
    t.text('word').primary();
  });
  await knex.raw('CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops)');
  await knex.raw('CREATE INDEX search_words_prefix_idx ON search_words (word text_pattern_ops)');
  await knex.raw(`
    CREATE FUNCTION products_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO search_words (word)
      SELECT DISTINCT w FROM regexp_split_to_table(lower(NEW.name || ' ' || NEW.description || ' ' || NEW.category), '[^[:alnum:]]+') AS w
       WHERE length(w) BETWEEN 2 AND 40
      ON CONFLICT DO NOTHING;
      RETURN NEW;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER products_search_words AFTER INSERT OR UPDATE OF name, description, category ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_words()`);
  await knex.raw(`
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM products, regexp_split_to_table(lower(name || ' ' || description || ' ' || category), '[^[:alnum:]]+') AS w
     WHERE length(w) BETWEEN 2 AND 40
    ON CONFLICT DO NOTHING`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER products_search_words ON products');
  await knex.raw('DROP FUNCTION products_search_words()');
  await knex.schema.dropTable('search_words');
}
