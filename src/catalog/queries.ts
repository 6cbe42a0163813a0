import type { Db } from '../db/index.js';
import type { Category } from './schemas.js';
import { PRODUCT_COLUMNS, type ProductRow } from './search.js';

export const findProducts = (db: Db, ids: number[]) =>
  db('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .whereRaw('p.id = ANY(?::bigint[])', [ids])
    .andWhere('p.active', true)
    .select<ProductRow[]>(PRODUCT_COLUMNS);

/** Units for sale now, by product: what browse shows next to the cached product data. */
export const availableCounts = (db: Db, ids: number[]) =>
  db('inventory')
    .whereRaw('product_id = ANY(?::bigint[])', [ids])
    .select<{ product_id: number; available: number }[]>('product_id', 'available_count as available');

/** Categories with their active products, counted by triggers on products (never per request). */
export const listCategories = (db: Db) =>
  db('categories').orderBy('name').select<Category[]>('slug', 'name', 'product_count');
