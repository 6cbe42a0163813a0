import type { Db } from './index.js';

/**
 * How long a table's rows live. Each rule is written in the room that owns its table; the jobs
 * run them once across the fleet, and `shopctl db retention` lists them with what each would
 * delete now.
 */
export interface RetentionRule {
  table: string;
  /** The rule in words, as an operator reads it. */
  rule: string;
  /** Rows past the rule now; null where the rule deletes nothing by age (kept, or with another row). */
  due(db: Db): Promise<number | null>;
  /** Deletes the rows past the rule, in short transactions; answers how many went. Absent: kept. */
  purge?(db: Db): Promise<number>;
}

/**
 * Rows of `table` matching `where`, deleted `batch` at a time: each statement is its own short
 * transaction, so a month of rows never holds its locks for minutes or grows one huge WAL record
 * set, and rows another transaction has locked are left for the next run (SKIP LOCKED) rather
 * than waited on. `where` is trusted SQL from the rule's owner; its values go in `bindings`.
 */
export async function deleteInBatches(
  db: Db,
  table: string,
  where: string,
  bindings: Record<string, unknown> = {},
  batch = 5_000,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await db.raw<{ rowCount: number }>(
      `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${table} WHERE ${where} LIMIT :batch FOR UPDATE SKIP LOCKED))`,
      { ...bindings, batch },
    );
    deleted += result.rowCount;
    if (result.rowCount < batch) return deleted;
  }
}

/** How many rows of `table` match `where` (a rule's `due`). */
export async function countWhere(
  db: Db,
  table: string,
  where: string,
  bindings: Record<string, unknown> = {},
): Promise<number> {
  const { rows } = await db.raw<{ rows: { n: number }[] }>(
    `SELECT count(*)::bigint AS n FROM ${table} WHERE ${where}`,
    bindings,
  );
  return Number(rows[0]?.n ?? 0);
}

/** A rule whose rows are past it when `where` holds. */
export const ageRule = (
  table: string,
  rule: string,
  where: string,
  bindings: Record<string, unknown> = {},
): RetentionRule => ({
  table,
  rule,
  due: (db) => countWhere(db, table, where, bindings),
  purge: (db) => deleteInBatches(db, table, where, bindings),
});

/** A table whose rows are not deleted by age: `rule` says why, or what removes them instead. */
export const keptRule = (table: string, rule: string): RetentionRule => ({
  table,
  rule,
  due: async () => null,
});
