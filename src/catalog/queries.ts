import type { Db } from '../db/index.js';
import type { Category } from './schemas.js';
import { PRODUCT_COLUMNS, type ProductRow } from './search.js';

export const findProduct = (db: Db, id: number) =>
  db('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .where('p.id', id)
    .andWhere('p.active', true)
    .first<ProductRow | undefined>(PRODUCT_COLUMNS);

export const findProducts = (db: Db, ids: number[]) =>
  db('products as p')
    .join('inventory as i', 'i.product_id', 'p.id')
    .whereIn('p.id', ids)
    .andWhere('p.active', true)
    .select<ProductRow[]>(PRODUCT_COLUMNS);

export const listCategories = (db: Db) =>
  db('categories as c')
    .leftJoin('products as p', (j) => j.on('p.category', 'c.slug').andOnVal('p.active', true))
    .groupBy('c.slug', 'c.name')
    .orderBy('c.name')
    .select<Category[]>('c.slug', 'c.name', db.raw('count(p.id)::int as product_count'));
