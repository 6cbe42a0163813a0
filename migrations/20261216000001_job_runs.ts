import type { Knex } from 'knex';

/**
 * When each fleet-wide periodic task last started (src/jobs/runs.ts): a process takes a task's
 * turn by moving `started_at` forward in one conditional statement, so of N processes whose
 * timers fire in the same interval exactly one runs it. One row per task name, kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_runs', (t) => {
    t.text('name').primary();
    t.timestamp('started_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_runs');
}
