import type { SqlPiece } from '../db/pieces.js';

/**
 * New products' stock, as pieces of the caller's statement (`withPieces`): each product's
 * inventory row with its units available and, for any units, the 'received' ledger line that
 * explains them, so the ledger balances from the first unit. `source` is a relation of that
 * statement with the columns (product_id, stock).
 */
export const initialStock = (
  source: string,
  { actor, reason }: { actor: string; reason: string },
): Record<string, SqlPiece> => ({
  inventory_rows: {
    sql: `INSERT INTO inventory (product_id, available_count) SELECT product_id, stock FROM ${source}`,
    bindings: {},
  },
  received_lines: {
    sql: `INSERT INTO stock_movements (product_id, kind, quantity, reason, actor)
          SELECT product_id, 'received', stock, :ledger_reason::text, :ledger_actor::text FROM ${source} WHERE stock > 0`,
    bindings: { ledger_reason: reason, ledger_actor: actor },
  },
});
