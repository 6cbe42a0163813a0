import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // One row per provider refund, whoever records it first: the refund job or the webhook.
  await knex.raw(
    "CREATE UNIQUE INDEX payments_refund_ref_unique ON payments (provider_ref) WHERE kind = 'refund' AND provider_ref IS NOT NULL",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX payments_refund_ref_unique');
}
