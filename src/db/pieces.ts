import type { Knex } from 'knex';
import type { Trx } from './index.js';

/**
 * A part of one SQL statement, written by the domain that owns its table: SQL with named
 * (`:name`) bindings, so adding a column changes one piece and no binding shifts. Name bindings
 * after the table (`orders_id`, `ledger_kind`): pieces composed into one statement share one
 * namespace, and `withPieces` refuses a name bound twice.
 */
export interface SqlPiece {
  sql: string;
  bindings: Record<string, Knex.Value>;
}

/**
 * `WITH name AS (piece), … select` as one statement: data-modifying CTEs, so many writes to
 * many tables cost one round trip. Every CTE runs, whether or not `select` reads it.
 */
export function withPieces(ctes: Record<string, SqlPiece>, select: SqlPiece): SqlPiece {
  const bindings: Record<string, Knex.Value> = {};
  for (const piece of [...Object.values(ctes), select]) {
    for (const [name, value] of Object.entries(piece.bindings)) {
      if (name in bindings) throw new Error(`SQL binding :${name} is bound by two pieces of one statement`);
      bindings[name] = value;
    }
  }
  const withs = Object.entries(ctes).map(([name, piece]) => `${name} AS (\n${piece.sql}\n)`);
  return { sql: `WITH ${withs.join(', ')}\n${select.sql}`, bindings };
}

/** Runs a piece on its own. */
export const runPiece = <Row = unknown>(trx: Trx, piece: SqlPiece) =>
  trx.raw<{ rows: Row[] }>(piece.sql, piece.bindings);
