import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // Counters that several processes add to (the service, shopctl, cron audits) and the service
  // exposes to Prometheus: a short-lived CLI process cannot be scraped itself.
  await knex.schema.createTable('ops_counters', (t) => {
    t.text('name').primary();
    t.bigInteger('value').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ops_counters');
}
