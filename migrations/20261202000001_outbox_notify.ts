import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One notification per inserting statement (a checkout batch of 200 orders sends one), and
  // PostgreSQL folds equal notifications of one transaction into one, delivered at commit.
  await knex.raw(`
    CREATE FUNCTION outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('outbox_events', '');
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER outbox_events_notify ON outbox_events');
  await knex.raw('DROP FUNCTION outbox_events_notify()');
}
