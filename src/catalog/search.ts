import type { Facets, PageQuery, Product, ProductFilter, SortKey } from './schemas.js';

/**
 * Where product search runs. PostgreSQL by default; an OpenSearch backend implements the same
 * contract. A backend answers ids in order (the service adds product data and live stock) and a
 * summary of the whole match set (total and facets), each cached on its own.
 */
export interface SearchBackend {
  readonly name: string;
  /** The match set's size (exact up to EXACT_TOTAL_LIMIT, else estimated) and its facets. */
  summarize(filter: ProductFilter): Promise<SearchSummary>;
  /**
   * One page of matches in the query's order: each one's sort key and id (for cursors), whether
   * more follow, and the products' rows as read (they need no second query to be shown).
   * `small` says the summary counted the whole match set exactly: then reading every match and
   * sorting it beats walking a sort index.
   */
  page(
    query: PageQuery,
    small: boolean,
  ): Promise<{
    keys: SortKey[];
    more: boolean;
    rows: ProductRow[];
    /** The rows' `available` is a copy (a search index's, for filtering), not PostgreSQL's now: not to be shown. */
    indexedStock?: boolean;
  }>;
  /**
   * Search-as-you-type: up to `limit` distinct names of active products holding every typed word,
   * the last one as a prefix ("wireless headph"). Bounded work whatever is typed.
   */
  suggest(typed: string, limit: number): Promise<string[]>;
}

export interface SearchSummary {
  total: number;
  total_is_estimate: boolean;
  facets: Facets;
}

/** Counted exactly up to here (a LIMITed scan); beyond it the total is the planner's estimate. */
export const EXACT_TOTAL_LIMIT = 500;

/** Price facet buckets, in cents: [0, 10), [10, 25), ... [500, ∞) dollars. */
export const PRICE_BUCKETS = [0, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000] as const;

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

/** Search words: lower-case letters and digits only, so each can be fed to to_tsquery safely. */
export function searchTerms(search: string): string[] {
  return [...new Set(search.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].slice(0, 8);
}
