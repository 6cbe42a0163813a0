import type { Facets, PageQuery, Product, ProductFilter, SortKey } from './schemas.js';

/**
 * Where product search runs. PostgreSQL by default; an OpenSearch backend implements the same
 * contract. A backend answers ids in order (the service adds product data and live stock) and a
 * summary of the whole match set (total and facets), each cached on its own.
 *
 * `after` (every method's last argument) is for a backend that reads PostgreSQL: a primary WAL
 * position the answer must include (Reads.run), so a result cached after a product change is
 * never computed on a replica that has not replayed it. An engine has its own lag and ignores it.
 */
export interface SearchBackend {
  readonly name: string;
  /**
   * A query's first rows read at once and cached for all its first pages (pages 1-5 of 20 then
   * cost one search, not five), where one row more costs little beside the search itself
   * (PostgreSQL ranks its bounded pool whatever is read). 0: every page is read as asked (an
   * engine pays for each row it fetches).
   */
  readonly headRows: number;
  /** The match set's size (exact up to EXACT_TOTAL_LIMIT, else estimated) and its facets. */
  summarize(filter: ProductFilter, after?: number | null): Promise<SearchSummary>;
  /**
   * One page of matches in the query's order: each one's sort key and id (for cursors), whether
   * more follow, and the products' rows as read (they need no second query to be shown).
   * `small` says the summary counted the whole match set exactly: then reading every match and
   * sorting it beats walking a sort index.
   */
  page(query: PageQuery, small: boolean, after?: number | null): Promise<SearchPage>;
  /**
   * The summary and a page of one query in one pass, where the backend has one (an engine counts,
   * aggregates and ranks the matches of one request): an uncached browse then costs one search,
   * not three. Without it, browse asks for each (`summaryAndPage`).
   */
  browse?(query: PageQuery, after?: number | null): Promise<SearchAnswer>;
  /**
   * Search-as-you-type: up to `limit` distinct names of active products holding every typed word,
   * the last one as a prefix ("wireless headph"). Bounded work whatever is typed.
   */
  suggest(typed: string, limit: number, after?: number | null): Promise<string[]>;
  /**
   * Up to `limit` active products like `productId`, most alike first (recommendations' cold start:
   * a product no paid order has paired with another yet). None for an unknown or inactive product.
   */
  similar(productId: number, limit: number, after?: number | null): Promise<number[]>;
}

export interface SearchPage {
  keys: SortKey[];
  more: boolean;
  rows: ProductRow[];
  /** The rows' `available` is a copy (a search index's, for filtering), not PostgreSQL's now: not to be shown. */
  indexedStock?: boolean;
}

export interface SearchAnswer {
  summary: SearchSummary;
  page: SearchPage;
}

/** Words to search for: a search of only punctuation or spaces filters nothing. */
export const hasWords = (filter: ProductFilter) => /[\p{L}\p{N}]/u.test(filter.search ?? '');

/**
 * Whether a page without words is read from the whole match set and sorted (the summary counted
 * it exactly, and it is small) rather than through a sort index. A search for words reads any
 * match set the same bounded way, so its page never waits for the summary's count.
 */
export const readsWhole = (summary: SearchSummary) => summary.total <= EXACT_TOTAL_LIMIT;

/** A query's summary and page from a backend: in one pass where it has one, else side by side. */
export async function summaryAndPage(
  backend: SearchBackend,
  query: PageQuery,
  after?: number | null,
): Promise<SearchAnswer> {
  if (backend.browse) return backend.browse(query, after);
  const summarized = backend.summarize(query, after);
  const paged = hasWords(query)
    ? backend.page(query, false, after)
    : summarized.then((summary) => backend.page(query, readsWhole(summary), after));
  const [summary, page] = await Promise.all([summarized, paged]);
  return { summary, page };
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
