import type { Container } from '../../src/container.js';

export interface Stock {
  available: number;
  reserved: number;
  sold: number;
}

/**
 * A product's three inventory counters, read straight from PostgreSQL (never the catalogue cache),
 * so a test sees what checkout, payment and the sweeper actually wrote.
 */
export async function stockOf(t: { container: Pick<Container, 'db'> }, productId: number): Promise<Stock> {
  const row = await t.container
    .db('inventory')
    .where({ product_id: productId })
    .first<{ available_count: number; reserved_count: number; sold_count: number } | undefined>(
      'available_count',
      'reserved_count',
      'sold_count',
    );
  if (!row) throw new Error(`product ${productId} has no inventory row`);
  return { available: row.available_count, reserved: row.reserved_count, sold: row.sold_count };
}
