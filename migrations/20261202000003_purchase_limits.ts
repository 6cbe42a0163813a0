import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A hot product's cap on the units one customer may hold (PENDING) or have bought (PAID and on).
  await knex.schema.alterTable('products', (t) => {
    t.integer('max_per_customer');
    t.check('max_per_customer IS NULL OR max_per_customer > 0', [], 'products_max_per_customer_positive');
  });
  // The checkout batch counts a customer's orders that hold or bought stock.
  await knex.raw(
    "CREATE INDEX orders_user_open_idx ON orders (user_id) WHERE status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED')",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX orders_user_open_idx');
  await knex.schema.alterTable('products', (t) => {
    t.dropChecks(['products_max_per_customer_positive']);
    t.dropColumn('max_per_customer');
  });
}
