import type { Knex } from 'knex';
import { type Db, pgArray } from '../db/index.js';
import { cursorRefused, type KeyCast, keyFits } from './cursor.js';
import type { PageQuery, ProductFilter } from './schemas.js';
import {
  EXACT_TOTAL_LIMIT,
  PRICE_BUCKETS,
  PRODUCT_COLUMNS,
  type ProductRow,
  type SearchBackend,
  searchTerms,
} from './search.js';
import { suggestNames } from './suggest.js';

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

interface Order {
  /** The sort key as SQL; its ::text form goes into cursors and is cast back with `cast`. */
  key: string;
  bindings: Knex.RawBinding[];
  cast: KeyCast;
  desc: boolean;
}

/**
 * Each sort is one key and the id as tie-breaker, in the same direction, so a page boundary is
 * a row comparison `(key, id) < (k, i)` that the matching index (products_*_idx, every one ending
 * in id) can seek to: deep pages cost what the first page costs.
 */
function orderFor(query: PageQuery, terms: string[]): Order {
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

/** The catalog filtered as asked, with these (corrected) search words: active products joined to their stock. */
function filtered(db: Db, filter: ProductFilter, terms: string[]) {
  const base = db('products as p').join('inventory as i', 'i.product_id', 'p.id').where('p.active', true);
  if (terms.length) {
    base.whereRaw("p.search_vector @@ to_tsquery('english', ?)", [terms.map((t) => `${t}:*`).join(' & ')]);
  }
  if (filter.category) base.where('p.category', filter.category);
  if (filter.minPrice !== undefined) base.where('p.price_cents', '>=', filter.minPrice);
  if (filter.maxPrice !== undefined) base.where('p.price_cents', '<=', filter.maxPrice);
  if (filter.inStock) base.where('i.available_count', '>', 0);
  return base;
}

async function matching(db: Db, filter: ProductFilter) {
  const typed = filter.search ? searchTerms(filter.search) : [];
  const { words, lexemes } = await correctTerms(db, typed);
  // A search of stop words only ("the") has no lexemes: it filters nothing, as if none was given.
  const terms = lexemes > 0 ? words : [];
  return { base: filtered(db, filter, terms), terms };
}

const bucketOf = (min: number): { min_cents: number; max_cents: number | null } => {
  const i = PRICE_BUCKETS.indexOf(min as (typeof PRICE_BUCKETS)[number]);
  return { min_cents: min, max_cents: PRICE_BUCKETS[i + 1] ?? null };
};

/**
 * Full-text search over a weighted tsvector (name > description > category, GIN-indexed): every
 * (corrected) word must match, as a prefix. Stop words drop out of the query by themselves.
 * Relevance = cover-density rank over the weighted vector (a word in the name outweighs one in
 * the description), plus a little for each word the name holds whole rather than as a stem
 * ("headphones" above "headphone"). That substring test replaced a trigram similarity of the
 * typed phrase to each name, which doubled the cost of ranking a broad search at 1M products.
 */
export function createPostgresSearch(db: Db): SearchBackend {
  /**
   * The match set's estimated size, as SQL for the summary's own statement (browse_row_estimate
   * runs EXPLAIN, never the query). Several words are estimated as the rarest word alone: the
   * planner takes words as independent, and catalog words are not ("cast iron" would come out a
   * fifteenth of its real size); the rarest word bounds the set from above, and is close for phrases.
   */
  function estimateSql(filter: ProductFilter, terms: string[]): Knex.Raw {
    const each = (terms.length < 2 ? [terms] : terms.map((t) => [t])).map((words) =>
      filtered(db, filter, words).select(db.raw('1')).toString(),
    );
    return db.raw(`least(${each.map(() => 'browse_row_estimate(?)').join(', ')})`, each);
  }

  /** A category alone (or nothing at all) has its exact count kept by triggers on products: SQL for it, or null. */
  function keptCountSql(filter: ProductFilter): Knex.Raw | null {
    if (filter.search || filter.minPrice !== undefined || filter.maxPrice !== undefined || filter.inStock)
      return null;
    const q = db('categories').sum('product_count');
    if (filter.category) q.where({ slug: filter.category });
    return db.raw('(?)', [q]);
  }

  return {
    name: 'postgres',

    suggest: (typed, limit) => suggestNames(db, typed, limit),

    async summarize(filter) {
      const { base, terms } = await matching(db, filter);
      // One LIMITed read of the match set (m, in whatever order its index gives) counts it exactly
      // while it is small, and then its facets are exact too. Past the limit the facets are a
      // sample's shares, and m's order may be a price or category index's (a category's 501
      // cheapest products would put every one at $10-25): without words they come from the newest
      // matches (s, read only then), with words from the GIN index's heap order.
      const sample = base
        .clone()
        .select('p.category', 'p.price_cents')
        .limit(EXACT_TOTAL_LIMIT + 1);
      const newest = terms.length
        ? sample
        : sample.clone().orderBy([
            { column: 'p.created_at', order: 'desc' },
            { column: 'p.id', order: 'desc' },
          ]);
      const over = `(SELECT count(*) FROM m) > ${EXACT_TOTAL_LIMIT}`;
      const facet = (sql: (from: string) => string) =>
        `CASE WHEN ${over} THEN ${sql('s')} ELSE ${sql('m')} END`;
      // Counted, faceted and (past the limit) estimated in one round trip: CASE evaluates the
      // estimate and the second sample only when the bounded count ran over.
      const kept = keptCountSql(filter);
      const [summary] = await db
        .with('m', sample)
        .with('s', newest)
        .select<
          {
            n: number;
            beyond: number | string | null;
            categories: [string, number][] | null;
            prices: [number, number][] | null;
          }[]
        >(
          db.raw('(SELECT count(*)::int FROM m) AS n'),
          db.raw(`CASE WHEN ${over} THEN ? END AS beyond`, [kept ?? estimateSql(filter, terms)]),
          db.raw(
            `${facet(
              (from) => `(SELECT json_agg(json_build_array(category, c) ORDER BY c DESC, category)
                 FROM (SELECT category, count(*)::int AS c FROM ${from} GROUP BY category) x)`,
            )} AS categories`,
          ),
          db.raw(
            `${facet(
              (from) => `(SELECT json_agg(json_build_array(b, c) ORDER BY b)
                 FROM (SELECT (:buckets::int[])[width_bucket(price_cents, :buckets::int[])] AS b, count(*)::int AS c
                         FROM ${from} GROUP BY 1) y)`,
            )} AS prices`,
            { buckets: pgArray(PRICE_BUCKETS) },
          ),
        );
      const { n, beyond, categories, prices } = summary!;
      const exact = n <= EXACT_TOTAL_LIMIT;
      const total = exact ? n : Math.max(EXACT_TOTAL_LIMIT + 1, Number(beyond));
      // Beyond the limit the facets are the sample's shares, scaled to the total; a filtered
      // category is the only one, with the whole total.
      const scale = exact ? 1 : total / n;
      return {
        total,
        total_is_estimate: !exact && kept === null,
        facets: {
          is_estimate: !exact,
          categories:
            filter.category && !exact
              ? [{ slug: filter.category, count: total }]
              : (categories ?? []).map(([slug, c]) => ({ slug, count: Math.round(c * scale) })),
          prices: (prices ?? []).map(([min, c]) => ({ ...bucketOf(min), count: Math.round(c * scale) })),
        },
      };
    },

    async page(query, small) {
      const { base, terms } = await matching(db, query);
      const order = orderFor(query, terms);
      const dir = order.desc ? 'DESC' : 'ASC';
      if (query.after && !keyFits(order.cast, query.after.key)) throw cursorRefused();
      const keyed = base
        .clone()
        .select(...PRODUCT_COLUMNS, db.raw(`(${order.key})::text AS sort_key`, order.bindings))
        .modify((q) => {
          if (query.after) {
            q.whereRaw(`(${order.key}, p.id) ${order.desc ? '<' : '>'} (?::${order.cast}, ?)`, [
              ...order.bindings,
              query.after.key,
              query.after.id,
            ]);
          }
        });
      const take = query.limit + 1;
      const offset = query.after ? 0 : (query.page - 1) * query.limit;
      let rows: (ProductRow & { sort_key: string })[];
      if (small) {
        // The whole match set is known to be at most EXACT_TOTAL_LIMIT rows: read it through the
        // filters' own index and sort it, rather than let a misestimate walk a sort index past
        // thousands of non-matching rows (a price range outside the category's prices, say).
        rows = await db
          .withMaterialized('m', keyed)
          .from('m')
          .select('*')
          .orderByRaw(`sort_key::${order.cast} ${dir}, id ${dir}`)
          .limit(take)
          .offset(offset);
      } else {
        rows = await keyed
          .orderByRaw(`${order.key} ${dir}`, order.bindings)
          .orderBy('p.id', dir.toLowerCase() as 'asc' | 'desc')
          .limit(take)
          .offset(offset);
      }
      const more = rows.length > query.limit;
      const shown = rows.slice(0, query.limit);
      return {
        keys: shown.map((r) => ({ key: r.sort_key, id: r.id })),
        more,
        rows: shown.map(({ sort_key: _, ...row }) => row),
      };
    },
  };
}
