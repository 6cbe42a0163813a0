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
 * Each search word as the catalog knows it: kept when it is a catalog word or the start of one
 * ("headph"), else replaced by the most similar catalog word (pg_trgm), so "wireles" searches for
 * "wireless". One round trip for all words; both lookups are indexed.
 */
async function correctTerms(db: Db, terms: string[]): Promise<{ words: string[]; lexemes: number }> {
  if (terms.length === 0) return { words: [], lexemes: 0 };
  const { rows } = await db.raw<{ rows: { words: string[]; lexemes: number }[] }>(
    `WITH corrected AS (
       SELECT t.n, coalesce(
                (SELECT t.term WHERE EXISTS (SELECT 1 FROM search_words w WHERE w.word LIKE t.term || '%')),
                (SELECT w.word FROM search_words w WHERE w.word % t.term
                  ORDER BY similarity(w.word, t.term) DESC, w.word LIMIT 1),
                t.term) AS word
         FROM unnest(?::text[]) WITH ORDINALITY AS t(term, n))
     SELECT array_agg(word ORDER BY n) AS words,
            numnode(to_tsquery('english', string_agg(word || ':*', ' & ' ORDER BY n))) AS lexemes
       FROM corrected`,
    [terms],
  );
  return rows[0] ?? { words: [], lexemes: 0 };
}

/**
 * Full-text search over a weighted tsvector (name > description > category, GIN-indexed): every
 * (corrected) word must match, as a prefix. Stop words drop out of the query by themselves.
 * Relevance = text rank + similarity of the typed phrase to the name.
 */
export function createPostgresSearch(db: Db): SearchBackend {
  return {
    name: 'postgres',
    async search(query) {
      const base = db('products as p').join('inventory as i', 'i.product_id', 'p.id').where('p.active', true);
      const typed = query.search ? searchTerms(query.search) : [];
      const { words: terms, lexemes } = await correctTerms(db, typed);
      // A search of stop words only ("the") has no lexemes: it filters nothing, as if none was given.
      if (lexemes > 0) {
        base.whereRaw("p.search_vector @@ to_tsquery('english', ?)", [
          terms.map((t) => `${t}:*`).join(' & '),
        ]);
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
              [terms.map((t) => `${t}:*`).join(' | '), typed.join(' ')],
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
