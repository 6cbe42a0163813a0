import type { Knex } from 'knex';

/**
 * Domain events for the message broker, written in the transaction of the change they report.
 *
 * - Order events come from order_status_history, which every transition writes (the state
 *   machine has one door): a statement-level trigger turns the rows a statement inserted into
 *   events, one INSERT per statement however many orders a checkout or settlement batch moved.
 * - price.changed comes from UPDATEs of products.price_cents, the same way.
 * - A row is published (published_at) only after the broker confirmed it; events of one aggregate
 *   are published in id order (the relay skips an event while an older one of its aggregate is
 *   unpublished).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('domain_events', (t) => {
    t.bigIncrements('id').primary();
    // The envelope's id: consumers dedupe on it.
    t.uuid('event_id').notNullable().unique().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('type').notNullable();
    t.text('aggregate_type').notNullable();
    t.text('aggregate_id').notNullable();
    t.jsonb('data').notNullable();
    t.integer('schema_version').notNullable().defaultTo(1);
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('published_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
  });
  await knex.raw(
    'CREATE INDEX domain_events_unpublished_idx ON domain_events (id) WHERE published_at IS NULL',
  );
  await knex.raw(
    `CREATE INDEX domain_events_aggregate_unpublished_idx ON domain_events (aggregate_type, aggregate_id, id)
      WHERE published_at IS NULL`,
  );
  await knex.raw(
    'CREATE INDEX domain_events_published_idx ON domain_events (published_at) WHERE published_at IS NOT NULL',
  );

  await knex.raw(`
    CREATE FUNCTION domain_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('domain_events', '');
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER domain_events_notify AFTER INSERT ON domain_events
      FOR EACH STATEMENT EXECUTE FUNCTION domain_events_notify()`);

  await knex.raw(`
    CREATE FUNCTION order_status_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO domain_events (type, aggregate_type, aggregate_id, data, occurred_at)
      SELECT 'order.' || CASE h.to_status
               WHEN 'PENDING' THEN 'created' WHEN 'PAID' THEN 'paid'
               WHEN 'PAYMENT_FAILED' THEN 'payment_failed' WHEN 'EXPIRED' THEN 'expired'
               WHEN 'CANCELLED' THEN 'cancelled' WHEN 'SHIPPED' THEN 'shipped'
               WHEN 'DELIVERED' THEN 'delivered' ELSE lower(h.to_status) END,
             'order', h.order_id::text,
             jsonb_build_object('order_id', h.order_id, 'user_id', o.user_id, 'from_status', h.from_status,
                                'status', h.to_status, 'reason', h.reason, 'actor', h.actor,
                                'total_cents', o.total_cents, 'currency', o.currency,
                                'carrier', o.carrier, 'tracking_number', o.tracking_number),
             h.created_at
        FROM new_rows h JOIN orders o ON o.id = h.order_id
       ORDER BY h.id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER order_status_events AFTER INSERT ON order_status_history
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION order_status_events()`);

  await knex.raw(`
    CREATE FUNCTION price_change_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO domain_events (type, aggregate_type, aggregate_id, data)
      SELECT 'price.changed', 'product', n.id::text,
             jsonb_build_object('product_id', n.id, 'sku', n.sku, 'old_price_cents', o.price_cents,
                                'price_cents', n.price_cents, 'currency', n.currency)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE n.price_cents IS DISTINCT FROM o.price_cents
       ORDER BY n.id;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER price_change_events AFTER UPDATE ON products
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION price_change_events()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER price_change_events ON products');
  await knex.raw('DROP FUNCTION price_change_events()');
  await knex.raw('DROP TRIGGER order_status_events ON order_status_history');
  await knex.raw('DROP FUNCTION order_status_events()');
  await knex.raw('DROP TRIGGER domain_events_notify ON domain_events');
  await knex.raw('DROP FUNCTION domain_events_notify()');
  await knex.schema.dropTable('domain_events');
}
