import type { Knex } from 'knex';

/**
 * A customer's unpaid (PENDING) orders, for the checkout's cap on them. The count read them from
 * orders_status_idx: with statistics taken between two sales, when nothing is PENDING, that index
 * looks like it holds one row, so the planner scanned every PENDING order in the store for each
 * cart and kept the customer's. During a sale of the gate's shape on a store of 1M orders that was
 * 3.6M index entries and 2.7M order rows read a minute, the most read index in the database.
 *
 * The predicate is `(status = 'PENDING') IS TRUE`, and the checkout's count says the same: the same
 * rows (status is never null), but no condition orders_status_idx can search on, so no statistics
 * can send the count back to that index. This index's predicate is the count's own, and a
 * customer's orders are the most any plan reads. Built CONCURRENTLY: orders is written by every
 * checkout.
 */
export const config = { transaction: false };

export async function up(knex: Knex): Promise<void> {
  // A build that failed half-way leaves an invalid index of the same name behind.
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS orders_user_pending_idx');
  await knex.raw(
    "CREATE INDEX CONCURRENTLY orders_user_pending_idx ON orders (user_id) WHERE (status = 'PENDING') IS TRUE",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS orders_user_pending_idx');
}
