import type { Db } from '../db/index.js';

/**
 * The store's default low-stock threshold (LOW_STOCK_THRESHOLD), where the inventory trigger that
 * raises `product.low_stock` reads it; a product's own `low_stock_threshold` overrides it.
 */
export async function recordDefaultLowStockThreshold(db: Db, threshold: number): Promise<void> {
  await db('shop_settings').update({ low_stock_threshold: threshold });
}
