import type { Db } from '../db/index.js';
import type { Product, ProductQuery } from './schemas.js';

/** Where product search runs. PostgreSQL by default; an OpenSearch backend implements the same contract. */
export interface SearchBackend {
  readonly name: string;
  search(query: ProductQuery): Promise<{ products: Product[]; total: number }>;
}

export const PRODUCT_COLUMNS = [
  'p.id',
  'p.sku',
  'p.name',
  'p.description',
  'p.category',
  'p.price_cents',
  'p.currency',
  'i.available_count as available',
  'p.created_at',
] as const;

export interface ProductRow extends Omit<Product, 'in_stock' | 'created_at'> {
  created_at: Date;
}

export const toProduct = (row: ProductRow): Product => ({
  ...row,
  in_stock: row.available > 0,
  created_at: row.created_at.toISOString(),
});

/** Search words: lower-case letters and digits only, so each can be fed to to_tsquery safely. */
export function searchTerms(search: string): string[] {
  return [...new Set(search.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 8);
}

/**
 * Every search word must match the product, either through full-text search (weighted tsvector:
 * name > description > category, prefix-matched so "headph" finds "headphones") or through a
 * pg_trgm word-similarity match on the name, so a one-letter typo ("wireles") still finds
 * "Wireless". Both sides are GIN-indexed. Stop words ("the") match everything.
 * Relevance = text rank of all words + similarity of the whole phrase to the name.
 */
export function createPostgresSearch(db: Db): SearchBackend {
  return {
    name: 'postgres',
    async search(query) {
      const base = db('products as p').join('inventory as i', 'i.product_id', 'p.id').where('p.active', true);
      const terms = query.search ? searchTerms(query.search) : [];
      for (const term of terms) {
        base.whereRaw(
          "(numnode(to_tsquery('english', ?)) = 0 OR p.search_vector @@ to_tsquery('english', ?) OR ? <% p.name)",
          [`${term}:*`, `${term}:*`, term],
        );
      }
      if (query.category) base.where('p.category', query.category);
      if (query.minPrice !== undefined) base.where('p.price_cents', '>=', query.minPrice);
      if (query.maxPrice !== undefined) base.where('p.price_cents', '<=', query.maxPrice);
      if (query.inStock) base.where('i.available_count', '>', 0);

      const offset = (query.page - 1) * query.limit;
      const rows = base.clone().select(PRODUCT_COLUMNS).limit(query.limit).offset(offset);
      switch (query.sort) {
        case 'relevance':
          if (terms.length) {
            rows.orderByRaw(
              "ts_rank_cd(p.search_vector, to_tsquery('english', ?)) + word_similarity(?, p.name) DESC",
              [terms.map((t) => `${t}:*`).join(' | '), terms.join(' ')],
            );
          } else {
            rows.orderBy('p.created_at', 'desc');
          }
          break;
        case 'price_asc':
          rows.orderBy('p.price_cents', 'asc');
          break;
        case 'price_desc':
          rows.orderBy('p.price_cents', 'desc');
          break;
        case 'newest':
          rows.orderBy('p.created_at', 'desc');
          break;
        case 'name':
          rows.orderByRaw('lower(p.name) ASC');
          break;
      }
      // A unique tie-breaker keeps pages stable: no product shows twice or goes missing across pages.
      rows.orderBy('p.id', query.sort === 'newest' ? 'desc' : 'asc');

      const [found, counted] = await Promise.all([
        rows as unknown as Promise<ProductRow[]>,
        base.clone().count<{ total: number }[]>('* as total'),
      ]);
      return { products: found.map(toProduct), total: counted[0]?.total ?? 0 };
    },
  };
}
