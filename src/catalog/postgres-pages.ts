import type { Knex } from 'knex';
import type { Db } from '../db/index.js';
import type { KeyCast } from './cursor.js';
import type { PageQuery, ProductFilter } from './schemas.js';
import { PRODUCT_COLUMNS, type ProductRow } from './search.js';

/**
 * A relevance page ranks at most this many matches: the first the index yields. At 1M products a
 * broad word ("wireless") matches 28,000 and ranking them all took 300-700 ms; ranking 2,000 takes
 * a few dozen, whatever the word. Beyond them relevance lists nothing more (the other sorts list
 * every match), and the total stays the match set's, estimated past EXACT_TOTAL_LIMIT.
 */
export const RANKED_MATCHES = 2_000;

/**
 * A page sorted by price, name or date with words first walks the sort's index this far (a
 * bounded LIMIT, cheap) hoping to meet its rows; words that are rare there (backpacks among the
 * cheapest products) fall back to reading the matches and sorting them, rather than walk on.
 */
const SORT_WALK_ROWS = 3_000;
/** The walk is tried when the words need to match at least one row in this many to fill the page. */
const WALK_DENSITY = 25;

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

/** The products' columns as read from the subquery `p` that computed the sort key as `k`. */
const fromKeyed = (db: Db) => [...PRODUCT_COLUMNS, db.raw('p.k::text AS sort_key')];

const CANDIDATE_COLUMNS = [
  'p.id',
  'p.sku',
  'p.name',
  'p.description',
  'p.category',
  'p.price_cents',
  'p.currency',
  'p.created_at',
];

/**
 * Relevance with words: the first RANKED_MATCHES matches (every filter on products applied) are
 * ranked, in a subquery whose LIMIT stops the index scan there; stock and cursor apply to them,
 * and the page's rows alone are joined to their stock. Which matches come first is the plan's
 * (the table's order through the GIN index, usually): for one query and one state of the
 * catalog it is the same on every page.
 */
export async function rankedPage(read: PageRead): Promise<PageRow[]> {
  const { db, query, terms, order, take, offset } = read;
  const candidates = productsMatching(db, query, terms)
    .select(...CANDIDATE_COLUMNS, db.raw(`${order.key} AS k`, order.bindings))
    .limit(RANKED_MATCHES);
  const ranked = db
    .from(candidates.as('p'))
    .modify((q) => {
      if (query.inStock)
        q.whereExists(
          db('inventory as s')
            .whereRaw('s.product_id = p.id')
            .where('s.available_count', '>', 0)
            .select(db.raw('1')),
        );
    })
    .modify(afterCursor(read, 'p.k', []))
    .select('p.*')
    .orderByRaw('p.k DESC, p.id DESC')
    .limit(take)
    .offset(offset);
  return db
    .from(ranked.as('p'))
    .join('inventory as i', 'i.product_id', 'p.id')
    .select(fromKeyed(db))
    .orderByRaw('p.k DESC, p.id DESC');
}

/**
 * Another sort with words: the sort's index walked for at most SORT_WALK_ROWS rows, words and
 * stock checked on those. The rows it finds are exactly the first in that order; null when the
 * walk ended before the page was full (then every match is read and sorted: sortedPage).
 */
export async function walkedPage(read: PageRead): Promise<PageRow[] | null> {
  const { db, query, terms, order, take, offset } = read;
  if ((offset + take) * WALK_DENSITY > SORT_WALK_ROWS) return null;
  const dir = dirOf(order);
  const walk = productsMatching(db, query, [])
    .select(...CANDIDATE_COLUMNS, 'p.search_vector', db.raw(`${order.key} AS k`, order.bindings))
    .modify(afterCursor(read, order.key, order.bindings))
    .orderByRaw(`${order.key} ${dir}, p.id ${dir}`, order.bindings)
    .limit(SORT_WALK_ROWS);
  const rows: PageRow[] = await inStockIfAsked(
    db.from(walk.as('p')).join('inventory as i', 'i.product_id', 'p.id'),
    query,
  )
    .whereRaw("p.search_vector @@ to_tsquery('english', ?)", [allWords(terms)])
    .select(fromKeyed(db))
    .orderByRaw(`p.k ${dir}, p.id ${dir}`)
    .limit(take)
    .offset(offset);
  return rows.length === take ? rows : null;
}

/** The filtered rows with their sort key (as text, for cursors), after the cursor. */
function keyed(read: PageRead) {
  const { db, query, terms, order } = read;
  return filtered(db, query, terms)
    .select(...PRODUCT_COLUMNS, db.raw(`(${order.key})::text AS sort_key`, order.bindings))
    .modify(afterCursor(read, order.key, order.bindings));
}

/**
 * Every match read through the filters' own index (GIN for words), its id and sort key alone,
 * sorted; then the page's rows. For a match set known to be small (at most EXACT_TOTAL_LIMIT
 * rows), rather than let a misestimate walk a sort index past thousands of non-matching rows (a
 * price range outside the category's prices, say), and for words the walk did not meet soon
 * enough: exact, at the cost of one visit to each match (28,000 for "wireless" at 1M).
 */
export async function sortedPage(read: PageRead): Promise<PageRow[]> {
  const { db, query, terms, order, take, offset } = read;
  const dir = dirOf(order);
  const matches = productsMatching(db, query, terms)
    .modify((q) => {
      if (query.inStock) q.join('inventory as i', 'i.product_id', 'p.id').where('i.available_count', '>', 0);
    })
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
  return db
    .from(top.as('t'))
    .join('products as p', 'p.id', 't.id')
    .join('inventory as i', 'i.product_id', 'p.id')
    .select(...PRODUCT_COLUMNS, db.raw('t.k::text AS sort_key'))
    .orderByRaw(`t.k ${dir}, t.id ${dir}`);
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
