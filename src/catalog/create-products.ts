import type { Db, Trx } from '../db/index.js';
import { type SqlPiece, withPieces } from '../db/pieces.js';
import { applyMovements, initialStock } from '../inventory/index.js';

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
 * computing each row's search_vector, which makes a re-run as slow as the first run. The units are
 * written with the rows, unannounced (seeds, fixtures): see `createAnnouncedProducts`.
 */
export async function createProducts(
  trx: Db | Trx,
  products: NewProduct[],
  { actor, reason, skipExisting = false }: { actor: string; reason: string; skipExisting?: boolean },
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
      products_stock: products.map((p) => p.stock),
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
  return rows;
}

/**
 * What an admin creates: the products with empty stock, then their units through the ledger. That
 * UPDATE is what the inventory trigger publishes as `inventory.changed`, so consumers hear of a new
 * product's first stock.
 */
export async function createAnnouncedProducts(
  trx: Trx,
  products: NewProduct[],
  opts: { actor: string; reason: string },
): Promise<{ id: number; sku: string }[]> {
  const rows = await createProducts(
    trx,
    products.map((p) => ({ ...p, stock: 0 })),
    opts,
  );
  const stockOf = new Map(products.map((p) => [p.sku, p.stock]));
  await applyMovements(
    trx,
    rows
      .filter((r) => stockOf.get(r.sku)! > 0)
      .map((r) => ({
        product_id: r.id,
        kind: 'received' as const,
        quantity: stockOf.get(r.sku)!,
        reason: opts.reason,
      })),
    opts.actor,
  );
  return rows;
}
