import type { Knex } from 'knex';

// A cart of 100 lines × 99 units at up to $1M each totals up to 9.9 × 10^11 cents: past int4
// (2^31 − 1 ≈ 2.1 × 10^9). Line prices stay int4 (a unit price is capped at 10^8 cents).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint');
  await knex.raw('ALTER TABLE payments ALTER COLUMN amount_cents TYPE bigint');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE payments ALTER COLUMN amount_cents TYPE integer');
  await knex.raw('ALTER TABLE orders ALTER COLUMN total_cents TYPE integer');
}
