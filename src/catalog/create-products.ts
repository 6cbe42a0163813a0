import type { Db, Trx } from '../db/index.js';
import { type SqlPiece, withPieces } from '../db/pieces.js';
import { initialStock } from '../inventory/initial-stock.js';
import { applyMovements } from '../inventory/ledger.js';

/** A product to create, with the units it starts with. Its category must exist. */
export interface NewProduct {
  sku: string;
  name: string;
  description?: string;
  category: string;
  price_cents: number;
  active?: boolean;
  stock: number;
  /** When it was created (and last updated); now by default. */
  created_at?: Date | string;
}

/**
 * Creates products with their inventory rows and 'received' ledger lines in one statement, from
 * arrays (so a seed's batch of thousands costs one round trip), and returns their ids in input
 * order. With `skipExisting`, SKUs already there are left as they are and absent from the answer;
 * they are filtered out before the insert, because ON CONFLICT alone would skip them only after
 * computing each row's search_vector, which makes a re-run as slow as the first run.
 *
 * With `announce` (what an admin creates), the units arrive through the ledger once the rows exist:
 * that UPDATE is what the inventory trigger publishes as `inventory.changed`, so consumers see a
 * new product's first stock. Seeds and fixtures write the units with the rows, unannounced.
 */
export async function createProducts(
  trx: Db | Trx,
  products: NewProduct[],
  {
    actor,
    reason,
    skipExisting = false,
    announce = false,
  }: { actor: string; reason: string; skipExisting?: boolean; announce?: boolean },
): Promise<{ id: number; sku: string }[]> {
  if (products.length === 0) return [];
  const input: SqlPiece = {
    sql: `SELECT * FROM unnest(:products_sku::text[], :products_name::text[], :products_description::text[],
                               :products_category::text[], :products_price::int[], :products_active::boolean[],
                               :products_created::timestamptz[], :products_stock::int[])
            WITH ORDINALITY AS t(sku, name, description, category, price_cents, active, created_at, stock, n)`,
    bindings: {
      products_sku: products.map((p) => p.sku),
      products_name: products.map((p) => p.name),
      products_description: products.map((p) => p.description ?? ''),
      products_category: products.map((p) => p.category),
      products_price: products.map((p) => p.price_cents),
      products_active: products.map((p) => p.active ?? true),
      products_created: products.map((p) => p.created_at ?? null),
      products_stock: products.map((p) => (announce ? 0 : p.stock)),
    } as SqlPiece['bindings'],
  };
  const inserted: SqlPiece = {
    sql: `INSERT INTO products (sku, name, description, category, price_cents, active, created_at, updated_at)
          SELECT sku, name, description, category, price_cents, active,
                 coalesce(created_at, now()), coalesce(created_at, now())
            FROM input
           ${skipExisting ? 'WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = input.sku)' : ''}
           ORDER BY n
          ${skipExisting ? 'ON CONFLICT (sku) DO NOTHING' : ''}
          RETURNING id, sku`,
    bindings: {},
  };
  const stock: SqlPiece = {
    sql: 'SELECT inserted.id AS product_id, input.stock FROM inserted JOIN input USING (sku)',
    bindings: {},
  };
  const statement = withPieces(
    { input, inserted, new_stock: stock, ...initialStock('new_stock', { actor, reason }) },
    { sql: 'SELECT id, sku FROM inserted ORDER BY id', bindings: {} },
  );
  const { rows } = await trx.raw<{ rows: { id: number; sku: string }[] }>(statement.sql, statement.bindings);
  if (announce) {
    const stockOf = new Map(products.map((p) => [p.sku, p.stock]));
    await applyMovements(
      trx as Trx,
      rows
        .filter((r) => stockOf.get(r.sku)! > 0)
        .map((r) => ({ product_id: r.id, kind: 'received' as const, quantity: stockOf.get(r.sku)!, reason })),
      actor,
    );
  }
  return rows;
}
