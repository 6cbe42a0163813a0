import type { Knex } from 'knex';

/**
 * Shipments, made by the fulfillment consumer from order.paid: pending until shipped (the order
 * moves to SHIPPED with the carrier and tracking number), then delivered (DELIVERED); a paid order
 * cancelled before it shipped cancels its shipment.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('shipments', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('order_id').notNullable().unique().references('id').inTable('orders').onDelete('CASCADE');
    t.text('state').notNullable().defaultTo('pending');
    t.text('carrier');
    t.text('tracking_number');
    t.timestamp('ship_at', { useTz: true }).notNullable();
    t.timestamp('deliver_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("state IN ('pending', 'shipped', 'delivered', 'cancelled')", [], 'shipments_state_valid');
  });
  await knex.raw("CREATE INDEX shipments_due_to_ship_idx ON shipments (ship_at) WHERE state = 'pending'");
  await knex.raw(
    "CREATE INDEX shipments_due_to_deliver_idx ON shipments (deliver_at) WHERE state = 'shipped'",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('shipments');
}
