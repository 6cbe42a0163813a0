import type { Knex } from 'knex';
import { type Db, pgArray } from '../db/index.js';
import { primaryReads, type Reads } from '../db/replica.js';
import { cursorRefused, keyFits } from './cursor.js';
import {
  filtered,
  indexPage,
  orderFor,
  type PageRead,
  type PageRow,
  pooledPage,
  sortedPage,
} from './postgres-pages.js';
import type { ProductFilter } from './schemas.js';
import { EXACT_TOTAL_LIMIT, PRICE_BUCKETS, type SearchBackend, searchTerms } from './search.js';
import { createSearchGate, type SearchGateOptions, searchBusy } from './search-gate.js';
import { similarProducts } from './similar.js';
import { suggestNames } from './suggest.js';

/** What one PostgreSQL search may take: a slot of the gate, and a time limit on each statement. */
export interface PostgresSearchBounds extends SearchGateOptions {
  statementTimeoutMs: number;
}

/**
 * The search transaction's settings, and each search word as the catalog knows it: kept when it
 * is a catalog word or the start of one ("headph"), else replaced by the most similar catalog
 * word (pg_trgm), so "wireles" searches for "wireless". One round trip for the settings and all
 * words (both lookups are indexed); the settings hold for the statements after it.
 */
async function correctTerms(
  db: Db,
  terms: string[],
  statementTimeoutMs: number,
): Promise<{ words: string[] | null; lexemes: number | null }> {
  const { rows } = await db.raw<{ rows: { words: string[] | null; lexemes: number | null }[] }>(
    `WITH corrected AS (
       SELECT t.n, coalesce(
                (SELECT t.term WHERE EXISTS (SELECT 1 FROM search_words w WHERE w.word LIKE t.term || '%')),
                (SELECT w.word FROM search_words w WHERE w.word % t.term
                  ORDER BY similarity(w.word, t.term) DESC, w.word LIMIT 1),
                t.term) AS word
         FROM unnest(?::text[]) WITH ORDINALITY AS t(term, n))
     SELECT array_agg(word ORDER BY n) AS words,
            numnode(to_tsquery('english', string_agg(word || ':*', ' & ' ORDER BY n))) AS lexemes,
            set_config('statement_timeout', ?, true), set_config('synchronize_seqscans', 'off', true),
            set_config('max_parallel_workers_per_gather', '0', true)
       FROM corrected`,
    [terms, String(statementTimeoutMs)],
  );
  return rows[0] ?? { words: null, lexemes: null };
}

/** The search's settings applied, and its words corrected: none when it has no words that count. */
async function matching(db: Db, filter: ProductFilter, statementTimeoutMs: number) {
  const typed = filter.search ? searchTerms(filter.search) : [];
  const { words, lexemes } = await correctTerms(db, typed, statementTimeoutMs);
  // A search of stop words only ("the") has no lexemes: it filters nothing, as if none was given.
  return words && lexemes ? words : [];
}

/** Rows read ahead per query for its first pages: five pages of 20, or one of the largest size. */
const HEAD_ROWS = 100;

/** PostgreSQL's answer to a statement past statement_timeout (or cancelled): query_canceled. */
const canceled = (err: unknown) => (err as { code?: string } | null)?.code === '57014';

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
 *
 * Searches read through `reads`: on a streaming replica where there is one (DATABASE_REPLICA_URL),
 * else on `db`.
 */
export function createPostgresSearch(
  db: Db,
  bounds: PostgresSearchBounds,
  reads: Reads = primaryReads(db),
): SearchBackend {
  const gate = createSearchGate(bounds);

  /**
   * One search's statements: admitted by the gate, in a transaction where each statement may take
   * at most the statement timeout (past it, a 503 to retry, never a 500 with the SQL); a
   * sequential scan starts at the table's first block, so "the first matches" of a LIMITed read
   * are the same on every page rather than wherever a concurrent scan happens to be; and no
   * parallel workers: the gate's slots are the searches' parallelism, not three processes each.
   * The settings travel with the first statement (matching), and the read-only transaction ends
   * after the slot is given back: under load each round trip waits for a busy event loop, and
   * the slot is held for BEGIN, that statement and the search's own reads alone.
   */
  const bounded = <T>(work: (trx: Db) => Promise<T>, after?: number | null): Promise<T> =>
    reads.run((on) => boundedOn(on, work), after);

  const boundedOn = async <T>(on: Db, work: (trx: Db) => Promise<T>): Promise<T> => {
    let trx: Knex.Transaction | undefined;
    try {
      const result = await gate.run(async () => {
        trx = await on.transaction();
        return work(trx);
      });
      trx!.commit().catch(() => undefined);
      return result;
    } catch (err) {
      trx?.rollback().catch(() => undefined);
      throw canceled(err) ? searchBusy('timeout') : err;
    }
  };

  /**
   * The match set's estimated size, as SQL for the summary's own statement (browse_row_estimate
   * runs EXPLAIN, never the query). Several words are estimated as the rarest word alone: the
   * planner takes words as independent, and catalog words are not ("cast iron" would come out a
   * fifteenth of its real size); the rarest word bounds the set from above, and is close for phrases.
   */
  function estimateSql(trx: Db, filter: ProductFilter, terms: string[]): Knex.Raw {
    const each = (terms.length < 2 ? [terms] : terms.map((t) => [t])).map((words) =>
      filtered(trx, filter, words).select(trx.raw('1')).toString(),
    );
    return trx.raw(`least(${each.map(() => 'browse_row_estimate(?)').join(', ')})`, each);
  }

  /** A category alone (or nothing at all) has its exact count kept by triggers on products: SQL for it, or null. */
  function keptCountSql(trx: Db, filter: ProductFilter): Knex.Raw | null {
    if (filter.search || filter.minPrice !== undefined || filter.maxPrice !== undefined || filter.inStock)
      return null;
    const q = trx('categories').sum('product_count');
    if (filter.category) q.where({ slug: filter.category });
    return trx.raw('(?)', [q]);
  }

  const backend: SearchBackend = {
    name: 'postgres',
    headRows: HEAD_ROWS,

    suggest: (typed, limit, after) => reads.run((on) => suggestNames(on, typed, limit), after),

    similar: (productId, limit, after) => reads.run((on) => similarProducts(on, productId, limit), after),

    summarize: (filter, after) => bounded((trx) => summarize(trx, filter), after),

    page: (query, small, after) =>
      bounded(async (trx) => {
        const terms = await matching(trx, query, bounds.statementTimeoutMs);
        const order = orderFor(query, terms);
        if (query.after && !keyFits(order.cast, query.after.key)) throw cursorRefused();
        const read: PageRead = {
          db: trx,
          query,
          terms,
          order,
          take: query.limit + 1,
          offset: query.after ? 0 : (query.page - 1) * query.limit,
        };
        let rows: PageRow[];
        // Words: a bounded pool, exact for any match set up to FIRST_MATCHES, small or not.
        if (terms.length) rows = await pooledPage(read);
        else if (small) rows = await sortedPage(read);
        else rows = await indexPage(read);
        const more = rows.length > query.limit;
        const shown = rows.slice(0, query.limit);
        return {
          keys: shown.map((r) => ({ key: r.sort_key, id: r.id })),
          more,
          rows: shown.map(({ sort_key: _, ...row }) => row),
        };
      }, after),
  };

  async function summarize(trx: Db, filter: ProductFilter) {
    const terms = await matching(trx, filter, bounds.statementTimeoutMs);
    // One LIMITed read of the match set (m, in whatever order its index gives) counts it exactly
    // while it is small, and then its facets are exact too. Past the limit the facets are a
    // sample's shares, and m's order may be a price or category index's (a category's 501
    // cheapest products would put every one at $10-25): without words they come from the newest
    // matches (s, read only then); with words m is the GIN index's first matches and serves.
    const sample = filtered(trx, filter, terms)
      .select('p.category', 'p.price_cents')
      .limit(EXACT_TOTAL_LIMIT + 1);
    const over = `(SELECT count(*) FROM m) > ${EXACT_TOTAL_LIMIT}`;
    const beyondFrom = terms.length ? 'm' : 's';
    const facet = (sql: (from: string) => string) =>
      `CASE WHEN ${over} THEN ${sql(beyondFrom)} ELSE ${sql('m')} END`;
    // Counted, faceted and (past the limit) estimated in one round trip: CASE evaluates the
    // estimate and the second sample only when the bounded count ran over.
    const kept = keptCountSql(trx, filter);
    const statement = trx.with('m', sample);
    if (!terms.length) {
      statement.with(
        's',
        sample.clone().orderBy([
          { column: 'p.created_at', order: 'desc' },
          { column: 'p.id', order: 'desc' },
        ]),
      );
    }
    const [summary] = await statement.select<
      {
        n: number;
        beyond: number | string | null;
        categories: [string, number][] | null;
        prices: [number, number][] | null;
      }[]
    >(
      trx.raw('(SELECT count(*)::int FROM m) AS n'),
      trx.raw(`CASE WHEN ${over} THEN ? END AS beyond`, [kept ?? estimateSql(trx, filter, terms)]),
      trx.raw(
        `${facet(
          (from) => `(SELECT json_agg(json_build_array(category, c) ORDER BY c DESC, category)
             FROM (SELECT category, count(*)::int AS c FROM ${from} GROUP BY category) x)`,
        )} AS categories`,
      ),
      trx.raw(
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
  }

  return backend;
}
