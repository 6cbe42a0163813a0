import type { Knex } from 'knex';
import { DEMO_CATEGORIES, generateProducts } from '../src/catalog/demo-catalog.js';

export const DEMO_PASSWORD = 'shop-demo-password';
export const DEMO_USERS = [
  { email: 'admin@shop.test', name: 'Ada Admin', role: 'admin' },
  { email: 'alice@shop.test', name: 'Alice Shopper', role: 'customer' },
  { email: 'bob@shop.test', name: 'Bob Shopper', role: 'customer' },
  { email: 'carol@shop.test', name: 'Carol Shopper', role: 'customer' },
] as const;

export interface SeedOptions {
  products?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Hashes demo passwords; injected so this file stays free of service wiring. */
  hashPassword: (password: string) => Promise<string>;
}

/**
 * One statement per batch: products, their inventory rows and the 'received' ledger lines are
 * written together from arrays (unnest), so 1M products take minutes rather than hours and
 * invariant 2 (counts == ledger) holds from the first row.
 */
const INSERT_BATCH = `
  WITH input AS (
    SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::int[])
      AS t(idx, sku, name, description, category, price_cents, stock)
  ), inserted AS (
    INSERT INTO products (sku, name, description, category, price_cents, created_at, updated_at)
    SELECT sku, name, description, category, price_cents,
           now() - make_interval(mins => idx::int), now() - make_interval(mins => idx::int)
    FROM input ORDER BY idx
    ON CONFLICT (sku) DO NOTHING
    RETURNING id, sku
  ), inventory_rows AS (
    INSERT INTO inventory (product_id, available_count)
    SELECT inserted.id, input.stock FROM inserted JOIN input USING (sku)
  )
  INSERT INTO stock_movements (product_id, kind, quantity, reason, actor)
  SELECT inserted.id, 'received', input.stock, 'initial stock', 'seed'
  FROM inserted JOIN input USING (sku) WHERE input.stock > 0`;

export async function seedDemoStore(knex: Knex, options: SeedOptions) {
  const total = options.products ?? 10_000;
  const batchSize = options.batchSize ?? 5_000;

  await knex('categories')
    .insert(DEMO_CATEGORIES.map(({ slug, name }) => ({ slug, name })))
    .onConflict('slug')
    .ignore();

  for (let start = 0; start < total; start += batchSize) {
    const batch = generateProducts(start, Math.min(batchSize, total - start));
    await knex.raw(INSERT_BATCH, [
      batch.map((_, i) => start + i),
      batch.map((p) => p.sku),
      batch.map((p) => p.name),
      batch.map((p) => p.description),
      batch.map((p) => p.category),
      batch.map((p) => p.price_cents),
      batch.map((p) => p.stock),
    ]);
    options.onProgress?.(start + batch.length, total);
  }

  const passwordHash = await options.hashPassword(DEMO_PASSWORD);
  await knex('users')
    .insert(DEMO_USERS.map((u) => ({ ...u, password_hash: passwordHash })))
    .onConflict(knex.raw('(lower(email))'))
    .ignore();
  await knex.raw('ANALYZE products, inventory');
  return { products: total, users: DEMO_USERS.length };
}

/** Entry point for `knex seed:run`. */
export async function seed(knex: Knex): Promise<void> {
  const { hashPassword } = await import('../src/users/passwords.js');
  await seedDemoStore(knex, { hashPassword });
}
