import type { Knex } from 'knex';
import type { Db } from '../db/index.js';
import type { KeyCast } from './cursor.js';
import type { PageQuery, ProductFilter } from './schemas.js';
import { PRODUCT_COLUMNS, type ProductRow } from './search.js';

/**
 * A search with words considers at most this many matches, the first the index yields (table
 * order through the GIN index, usually), however many there are: at 1M products a broad word
 * ("wireless") matches 28,000, and ranking or sorting them all took 300-700 ms; 2,000 take a few
 * dozen, whatever the word. Relevance ranks them and lists no further; the other sorts add the
 * matches among the first SORT_WALK_ROWS products of their order (below). The total and facets
 * stay the whole match set's (estimated past EXACT_TOTAL_LIMIT), and a match set this size or
 * smaller is listed whole and exactly in every sort.
 */
export const FIRST_MATCHES = 2_000;

/**
 * A page sorted by price, name or date with words also walks the sort's index this far from the
 * cursor (or the start): the cheapest, newest or first-named matches are on the page whenever
 * the words are not rare among the products that come first in that order.
 */
const SORT_WALK_ROWS = 1_000;

export type PageRow = ProductRow & { sort_key: string };

export interface Order {
  /** The sort key as SQL; its ::text form goes into cursors and is cast back with `cast`. */
  key: string;
  bindings: Knex.RawBinding[];
  cast: KeyCast;
  desc: boolean;
}

/** One page to read: its query, the corrected words, its order, and the rows wanted (one more than shown). */
export interface PageRead {
  db: Db;
  query: PageQuery;
  terms: string[];
  order: Order;
  take: number;
  offset: number;
}

/** Every word, each as a prefix: what the GIN index is asked. */
const allWords = (terms: string[]) => terms.map((t) => `${t}:*`).join(' & ');

/** Active products with these (corrected) words, category and price range: the filters on products alone. */
export function productsMatching(db: Db, filter: ProductFilter, terms: string[]) {
  const base = db('products as p').where('p.active', true);
  if (terms.length) base.whereRaw("p.search_vector @@ to_tsquery('english', ?)", [allWords(terms)]);
  if (filter.category) base.where('p.category', filter.category);
  if (filter.minPrice !== undefined) base.where('p.price_cents', '>=', filter.minPrice);
  if (filter.maxPrice !== undefined) base.where('p.price_cents', '<=', filter.maxPrice);
  return base;
}

/** The catalog filtered as asked, with these (corrected) search words: active products joined to their stock. */
export function filtered(db: Db, filter: ProductFilter, terms: string[]) {
  return inStockIfAsked(
    productsMatching(db, filter, terms).join('inventory as i', 'i.product_id', 'p.id'),
    filter,
  );
}

function inStockIfAsked(q: Knex.QueryBuilder, filter: ProductFilter) {
  if (filter.inStock) q.where('i.available_count', '>', 0);
  return q;
}

/**
 * Each sort is one key and the id as tie-breaker, in the same direction, so a page boundary is
 * a row comparison `(key, id) < (k, i)` that the matching index (products_*_idx, every one ending
 * in id) can seek to: deep pages cost what the first page costs.
 */
export function orderFor(query: PageQuery, terms: string[]): Order {
  switch (query.sort) {
    case 'relevance':
      if (terms.length) {
        return {
          key: `(ts_rank_cd(p.search_vector, to_tsquery('english', ?))${' + 0.05 * (strpos(lower(p.name), ?) > 0)::int'.repeat(terms.length)})::float8`,
          bindings: [terms.map((t) => `${t}:*`).join(' | '), ...terms],
          cast: 'float8',
          desc: true,
        };
      }
      return { key: 'p.created_at', bindings: [], cast: 'timestamptz', desc: true };
    case 'price_asc':
      return { key: 'p.price_cents', bindings: [], cast: 'integer', desc: false };
    case 'price_desc':
      return { key: 'p.price_cents', bindings: [], cast: 'integer', desc: true };
    case 'newest':
      return { key: 'p.created_at', bindings: [], cast: 'timestamptz', desc: true };
    case 'name':
      return { key: 'lower(p.name)', bindings: [], cast: 'text', desc: false };
  }
}

const dirOf = (order: Order) => (order.desc ? 'DESC' : 'ASC');

/** Rows after the cursor, if any: `key` is the sort key as SQL (with its bindings). */
const afterCursor =
  ({ query, order }: PageRead, key: string, bindings: Knex.RawBinding[]) =>
  (q: Knex.QueryBuilder) => {
    if (!query.after) return;
    q.whereRaw(`(${key}, p.id) ${order.desc ? '<' : '>'} (?::${order.cast}, ?)`, [
      ...bindings,
      query.after.key,
      query.after.id,
    ]);
  };

/** Rows in stock only, when asked: `alias` names the rows' product id column's table. */
const inStockOnly = (db: Db, query: PageQuery, alias: string) => (q: Knex.QueryBuilder) => {
  if (!query.inStock) return;
  q.whereExists(
    db('inventory as s')
      .whereRaw(`s.product_id = ${alias}.id`)
      .where('s.available_count', '>', 0)
      .select(db.raw('1')),
  );
};

/** The page's rows in order from `top` (ids and sort keys `k`, in order): products and stock. */
function rowsOf(db: Db, top: Knex.QueryBuilder, dir: string): Promise<PageRow[]> {
  return db
    .from(top.as('t'))
    .join('products as p', 'p.id', 't.id')
    .join('inventory as i', 'i.product_id', 'p.id')
    .select(...PRODUCT_COLUMNS, db.raw('t.k::text AS sort_key'))
    .orderByRaw(`t.k ${dir}, t.id ${dir}`);
}

/** The first FIRST_MATCHES matches of the words and the filters on products, each with its sort key. */
const firstMatches = ({ db, query, terms, order }: PageRead) =>
  productsMatching(db, query, terms)
    .select('p.id', db.raw(`${order.key} AS k`, order.bindings))
    .limit(FIRST_MATCHES);

/**
 * A page of a search with words that is not known to be small: its rows taken from a bounded pool
 * (firstMatches, and for price, name and date the words' matches among the first SORT_WALK_ROWS
 * products of that order from the cursor), then stock, cursor, order and page applied to the
 * pool. Each part's LIMIT stops its scan; relevance ranks the pool only. For one query and one
 * state of the catalog the pool is the same on every page.
 */
export async function pooledPage(read: PageRead): Promise<PageRow[]> {
  const { db, query, terms, order, take, offset } = read;
  const dir = dirOf(order);
  let pool: Knex.QueryBuilder | Knex.Raw = firstMatches(read);
  if (query.sort !== 'relevance') {
    const walk = productsMatching(db, query, [])
      .select('p.id', 'p.search_vector', db.raw(`${order.key} AS k`, order.bindings))
      .modify(afterCursor(read, order.key, order.bindings))
      .orderByRaw(`${order.key} ${dir}, p.id ${dir}`, order.bindings)
      .limit(SORT_WALK_ROWS);
    const walked = db
      .from(walk.as('w'))
      .whereRaw("w.search_vector @@ to_tsquery('english', ?)", [allWords(terms)])
      .select('w.id', 'w.k');
    pool = db.raw('(?) UNION (?)', [walked, pool]);
  }
  const top = db
    .from(db.raw('(?) AS p', [pool]))
    .modify(inStockOnly(db, query, 'p'))
    .modify(afterCursor(read, 'p.k', []))
    .select('p.id', 'p.k')
    .orderByRaw(`p.k ${dir}, p.id ${dir}`)
    .limit(take)
    .offset(offset);
  return rowsOf(db, top, dir);
}

/** The filtered rows with their sort key (as text, for cursors), after the cursor. */
function keyed(read: PageRead) {
  const { db, query, terms, order } = read;
  return filtered(db, query, terms)
    .select(...PRODUCT_COLUMNS, db.raw(`(${order.key})::text AS sort_key`, order.bindings))
    .modify(afterCursor(read, order.key, order.bindings));
}

/**
 * Every match read through the filters' own index, its id and sort key alone, sorted; then the
 * page's rows. For a match set known to be small (at most EXACT_TOTAL_LIMIT rows), rather than
 * let a misestimate walk a sort index past thousands of non-matching rows (a price range outside
 * the category's prices, say).
 */
export async function sortedPage(read: PageRead): Promise<PageRow[]> {
  const { db, query, terms, order, take, offset } = read;
  const dir = dirOf(order);
  const matches = productsMatching(db, query, terms)
    .modify(inStockOnly(db, query, 'p'))
    .select('p.id', db.raw(`${order.key} AS k`, order.bindings))
    .modify(afterCursor(read, order.key, order.bindings));
  // Materialized, so the planner cannot walk the sort's index instead of the filters'.
  const top = db
    .withMaterialized('m', matches)
    .from('m')
    .select('m.id', 'm.k')
    .orderByRaw(`m.k ${dir}, m.id ${dir}`)
    .limit(take)
    .offset(offset);
  return rowsOf(db, top, dir);
}

/** Without words: the sort's index walked from the cursor (or the start) with the filters applied. */
export async function indexPage(read: PageRead): Promise<PageRow[]> {
  const { order, take, offset } = read;
  const dir = dirOf(order);
  return keyed(read)
    .orderByRaw(`${order.key} ${dir}`, order.bindings)
    .orderBy('p.id', dir.toLowerCase() as 'asc' | 'desc')
    .limit(take)
    .offset(offset);
}
