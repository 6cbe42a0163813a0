import type { Knex } from 'knex';

/**
 * What the search index owes PostgreSQL, per product (src/search/indexer.ts):
 *
 * - `search_index_state`: the search-index consumer bumps a product's `version` for every product
 *   event it takes (from one sequence, under the row's lock, so a product's versions grow in the
 *   order its events were taken); the indexer writes the product's current row to the engine with
 *   that version as the document's external version, then records it as `indexed_version`. A
 *   product is owed to the index while version > indexed_version; `changed_at` is then when its
 *   oldest owed event happened (the index lag). One row per product, kept: a reindex reads each
 *   product's version with its row.
 * - `search_index_builds`: indexes a reindex is filling (shopctl search reindex); the indexer
 *   writes each product to them too while their heartbeat is fresh.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE SEQUENCE search_index_version_seq AS bigint');
  await knex.schema.createTable('search_index_state', (t) => {
    t.bigInteger('product_id').primary();
    t.bigInteger('version').notNullable();
    t.bigInteger('indexed_version').notNullable().defaultTo(0);
    t.timestamp('changed_at', { useTz: true }).notNullable();
  });
  await knex.raw(
    'CREATE INDEX search_index_state_owed_idx ON search_index_state (changed_at) WHERE version > indexed_version',
  );
  await knex.schema.createTable('search_index_builds', (t) => {
    t.text('index_name').primary();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('search_index_builds');
  await knex.schema.dropTable('search_index_state');
  await knex.raw('DROP SEQUENCE search_index_version_seq');
}
