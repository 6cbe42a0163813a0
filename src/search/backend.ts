import type { API } from '@opensearch-project/opensearch';
import type { PageQuery, ProductFilter, SortKey } from '../catalog/index.js';
import {
  cursorRefused,
  type KeyCast,
  keyFits,
  PRICE_BUCKETS,
  PRODUCT_COLUMNS,
  type SearchBackend,
  type SearchPage,
  type SearchSummary,
  searchWords,
  suggestWords,
} from '../catalog/index.js';
import type { SearchClient } from './client.js';
import { docId, PREFIX_GRAMS, type ProductDocument, toRow } from './mapping.js';

type Query = Record<string, unknown>;

/** Every category of the catalog fits in one terms aggregation (the seed has 25). */
const MAX_CATEGORIES = 500;

/**
 * Matches the facets are counted on. Aggregating costs per match (about 50 ms per 200k matches on
 * a shared 2-core box), counting far less (a few ms): past this many the facets are the first
 * matches' shares scaled to the exact total, as PostgreSQL's are past EXACT_TOTAL_LIMIT, and a
 * summary's aggregations cost what a narrow search's do at any catalog size.
 */
export const FACET_SAMPLE = 10_000;

/** What a hit carries back: a browse row (the columns PostgreSQL reads, by name); the filter-only fields stay in the index. */
const SOURCE_FIELDS = PRODUCT_COLUMNS.map((column) => column.split(/[. ]/).at(-1)!);

/** Too short to expand as a prefix over descriptions: two letters prefix a good part of the vocabulary. */
const DESCRIPTION_PREFIX_MIN = 3;

/**
 * One search word, found in the name (boosted ×3: BM25 per field), the description or the
 * category; as typed, as a synonym or as the start of a word, and in the name within a typo or
 * two (none up to 3 letters, one up to 7, two beyond; the first letter as typed). Two typos only
 * from 8 letters (AUTO's own threshold is 6): a two-edit automaton costs several times a one-edit
 * one to build and walk, and took about 8% of a search for words.
 * dis_max scores a word by its best field, plus a little for the others, so one word found in
 * three places does not outrank two words found once.
 */
function wordQuery(word: string): Query {
  const queries: Query[] = [
    { match: { name: { query: word, boost: 3 } } },
    // Typos are matched on the unstemmed name only: a fuzzy expansion costs a walk of the field's
    // terms (more than the rest of the query on the descriptions' larger vocabulary), and on words
    // as typed a name holding the word whole ("headphones") outranks one holding its stem.
    { match: { 'name.exact': { query: word, fuzziness: 'AUTO:4,8', prefix_length: 1, boost: 2 } } },
    { match: { 'name.prefix': { query: word.slice(0, PREFIX_GRAMS.max), boost: 2 } } },
    { match: { description: { query: word } } },
    { match: { 'category.text': { query: word } } },
  ];
  if (word.length >= DESCRIPTION_PREFIX_MIN) {
    queries.push({ prefix: { description: { value: word, boost: 0.5 } } });
  }
  return { dis_max: { tie_breaker: 0.3, queries } };
}

/**
 * Every word must match (as PostgreSQL's tsquery ANDs them); the filters only filter (no score,
 * cached). Inactive and sold-out products are excluded rather than the rest required: nearly every
 * document is active and most are in stock, and a required term every document holds is walked
 * for every match (a count of a category and price range took about a third longer so).
 */
function queryFor(filter: ProductFilter, words: string[]): Query {
  const filters: Query[] = [];
  if (filter.category) filters.push({ term: { category: filter.category } });
  if (filter.minPrice !== undefined || filter.maxPrice !== undefined) {
    filters.push({ range: { price_cents: { gte: filter.minPrice, lte: filter.maxPrice } } });
  }
  const excluded: Query[] = [{ term: { active: false } }];
  if (filter.inStock) excluded.push({ term: { in_stock: false } });
  return { bool: { must: words.map(wordQuery), filter: filters, must_not: excluded } };
}

/** A date sort value (epoch ms) as PostgreSQL prints a timestamptz, so cursors carry one form for both backends. */
export const printTimestamp = (ms: number) =>
  new Date(ms).toISOString().replace('T', ' ').replace('Z', '+00');

/** A timestamptz key (already checked by keyFits) as epoch ms; finer than a millisecond is dropped, as the index keeps ms. */
export function readTimestamp(key: string): number {
  const m = /^(\d+)-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/.exec(
    key,
  )!;
  const n = (i: number) => Number(m[i] ?? 0);
  const at = new Date(0);
  // setUTCFullYear, unlike Date.UTC, reads years 0-99 as themselves.
  at.setUTCFullYear(n(1), n(2) - 1, n(3));
  at.setUTCHours(n(4), n(5), n(6), Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  const offset = (n(9) * 3600 + n(10) * 60 + n(11)) * 1000;
  return at.getTime() - (m[8] === '+' ? offset : -offset);
}

interface Order {
  sort: Query[];
  cast: KeyCast;
  /** A hit's first sort value as a cursor key, in the form PostgreSQL's `::text` prints it. */
  key(value: unknown): string;
  /** A cursor key back as a sort value for search_after. */
  value(key: string): unknown;
}

const asString = (v: unknown) => String(v);

/**
 * Each sort is one key and the id as tie-breaker, in the same direction, as in PostgreSQL, and its
 * keys have the cast PostgreSQL's would: a cursor from either backend reads on the other (after a
 * fallback) as a position, or is refused as a 400 when its key cannot be one.
 */
function orderFor(sort: PageQuery['sort'], searching: boolean): Order {
  const by = (field: string, dir: 'asc' | 'desc') => [{ [field]: { order: dir } }, { id: { order: dir } }];
  const newest: Order = {
    sort: by('created_at', 'desc'),
    cast: 'timestamptz',
    key: (v) => printTimestamp(Number(v)),
    value: readTimestamp,
  };
  switch (sort) {
    case 'relevance':
      return searching
        ? { sort: by('_score', 'desc'), cast: 'float8', key: asString, value: Number }
        : newest;
    case 'price_asc':
    case 'price_desc':
      return {
        sort: by('price_cents', sort === 'price_asc' ? 'asc' : 'desc'),
        cast: 'integer',
        key: asString,
        value: Number,
      };
    case 'newest':
      return newest;
    case 'name':
      return { sort: by('name.sort', 'asc'), cast: 'text', key: asString, value: (k) => k };
  }
}

/**
 * What a search's answer is read for: the engine writes (and the service parses) nothing else.
 * A filtered answer leaves out what is empty (no hits, no buckets): read through `hitsOf` and
 * `bucketsOf`.
 */
const ANSWER_FIELDS = [
  'timed_out',
  '_shards.failed',
  'terminated_early',
  'hits.total',
  'hits.hits._source',
  'hits.hits.sort',
  'aggregations',
];

type Answer = API.Search_ResponseBody;

const totalOf = (answer: Answer) => (answer.hits.total as { value: number }).value;
const hitsOf = (answer: Answer) => answer.hits?.hits ?? [];
const bucketsOf = <B>(agg: { buckets?: B[] } | undefined): B[] => agg?.buckets ?? [];

/** The engine answered, but not wholly: a partial answer is wrong, so it is an error (and a fallback). */
function checkComplete(body: { timed_out?: boolean; _shards?: { failed?: number } }) {
  if (body.timed_out || (body._shards?.failed ?? 0) > 0) {
    throw new Error('search engine answered partially (timed out or failed shards)');
  }
}

interface RangeBucket {
  from?: number;
  to?: number;
  doc_count: number;
}

const PRICE_AGG = {
  range: {
    field: 'price_cents',
    ranges: PRICE_BUCKETS.map((from, i) => ({ from, to: PRICE_BUCKETS[i + 1] })),
  },
};

/**
 * The facets as aggregations: the price buckets PostgreSQL's share, and categories by count. In a
 * category every match is of it, so its facet is the total and only prices are aggregated (about
 * a tenth less per search).
 */
const facetAggs = (filter: ProductFilter): Query =>
  filter.category
    ? { prices: PRICE_AGG }
    : {
        prices: PRICE_AGG,
        categories: {
          terms: { field: 'category', size: MAX_CATEGORIES, order: [{ _count: 'desc' }, { _key: 'asc' }] },
        },
      };

interface FacetAggregations {
  categories?: { buckets?: { key: string; doc_count: number }[] };
  prices?: { buckets?: RangeBucket[] };
}

/**
 * A summary from an exact total and the facets' aggregations over `counted` matches: all of them,
 * or the first ones, whose shares are then scaled to the total (as PostgreSQL scales its own).
 */
function summaryOf(
  filter: ProductFilter,
  total: number,
  aggregations: unknown,
  counted: number,
): SearchSummary {
  const aggs = aggregations as FacetAggregations;
  const sampled = counted < total;
  const scale = sampled ? total / counted : 1;
  return {
    total,
    total_is_estimate: false,
    facets: {
      is_estimate: sampled,
      categories: filter.category
        ? total > 0
          ? [{ slug: filter.category, count: total }]
          : []
        : bucketsOf(aggs.categories).map((b) => ({ slug: b.key, count: Math.round(b.doc_count * scale) })),
      // PostgreSQL lists only the buckets that hold a match; so does this.
      prices: bucketsOf(aggs.prices)
        .filter((b) => b.doc_count > 0)
        .map((b) => ({
          min_cents: b.from ?? 0,
          max_cents: b.to ?? null,
          count: Math.round(b.doc_count * scale),
        })),
    },
  };
}

/**
 * Browse on OpenSearch, through the products alias. Totals are exact (the engine counts cheaply).
 * A search for words or in a category is one request: its matches are counted, aggregated into
 * facets and ranked in one pass (about half what three searches cost). Across the whole catalog
 * (no words, no category) the facets are aggregated on the first FACET_SAMPLE matches and scaled
 * (`facets.is_estimate`), in a search of their own beside the count and the page. Rows come from
 * the documents; their stock is the index's copy, which the catalog replaces with the live count
 * before showing it (`indexedStock`).
 */
export function createOpenSearchBackend({
  client,
  alias,
  facetSample = FACET_SAMPLE,
}: {
  client: SearchClient;
  alias: string;
  facetSample?: number;
}): SearchBackend {
  async function search(body: API.Search_RequestBody) {
    const { body: answer } = await client.search({ index: alias, body, filter_path: ANSWER_FIELDS });
    checkComplete(answer);
    return answer;
  }

  /** A page's request, and how to read its answer. */
  function pageSearch(query: PageQuery) {
    const words = searchWords(query.search);
    const order = orderFor(query.sort, words.length > 0);
    if (query.after && !keyFits(order.cast, query.after.key)) throw cursorRefused();
    const body = {
      query: queryFor(query, words),
      sort: order.sort,
      size: query.limit + 1,
      track_total_hits: false,
      _source: SOURCE_FIELDS,
      ...(query.after
        ? { search_after: [order.value(query.after.key), query.after.id] }
        : { from: (query.page - 1) * query.limit }),
    };
    const read = (answer: Answer): SearchPage => {
      const all = hitsOf(answer);
      const hits = all.slice(0, query.limit);
      return {
        keys: hits.map((h): SortKey => {
          const doc = h._source as ProductDocument;
          return { key: order.key(h.sort![0]), id: doc.id };
        }),
        more: all.length > query.limit,
        rows: hits.map((h) => toRow(h._source as ProductDocument)),
        indexedStock: true,
      };
    };
    return { body, read, narrow: words.length > 0 || query.category !== undefined };
  }

  async function summarize(filter: ProductFilter): Promise<SearchSummary> {
    const query = queryFor(filter, searchWords(filter.search));
    // Two searches at once: the count (cheap, exact) and the facets (per match, so bounded).
    const [counted, faceted] = await Promise.all([
      search({ size: 0, track_total_hits: true, query }),
      search({
        size: 0,
        track_total_hits: false,
        terminate_after: facetSample,
        query,
        aggs: facetAggs(filter),
      } as API.Search_RequestBody),
    ]);
    const total = totalOf(counted);
    return summaryOf(
      filter,
      total,
      faceted.aggregations,
      faceted.terminated_early === true ? facetSample : total,
    );
  }

  async function page(query: PageQuery): Promise<SearchPage> {
    const { body, read } = pageSearch(query);
    return read(await search(body as API.Search_RequestBody));
  }

  return {
    name: 'opensearch',
    // A page is fetched as asked: fetching and sending a hundred documents for the five pages
    // few shoppers read cost about a quarter more per search than the twenty-one a page needs.
    headRows: 0,
    summarize,
    page,

    async browse(query) {
      const { body, read, narrow } = pageSearch(query);
      if (!narrow) {
        const [summary, found] = await Promise.all([summarize(query), page(query)]);
        return { summary, page: found };
      }
      const answer = await search({
        ...body,
        track_total_hits: true,
        aggs: facetAggs(query),
      } as API.Search_RequestBody);
      const total = totalOf(answer);
      return { summary: summaryOf(query, total, answer.aggregations, total), page: read(answer) };
    },

    async suggest(typed, limit) {
      const words = suggestWords(typed);
      if (!words) return [];
      const answer = await search({
        size: limit,
        query: {
          bool: {
            // Every word starts a word of the name; whole words and the phrase as typed rank first.
            must: words.map((w) => ({ match: { 'name.prefix': w.slice(0, PREFIX_GRAMS.max) } })),
            should: [
              { match: { name: { query: words.join(' ') } } },
              { match_phrase_prefix: { name: { query: words.join(' ') } } },
            ],
            filter: [{ term: { active: true } }],
          },
        },
        // Many products share a name (sizes, colours): one suggestion per name.
        collapse: { field: 'name.sort' },
        sort: [{ _score: { order: 'desc' } }, { 'name.sort': { order: 'asc' } }],
        _source: ['name'],
      } as API.Search_RequestBody);
      return hitsOf(answer).map((h) => (h._source as { name: string }).name);
    },

    async similar(productId, limit) {
      const answer = await search({
        size: limit,
        query: {
          bool: {
            // The engine's more-like-this: the product's own document's most telling terms (name and
            // description, scored against the whole index), sought in the others; its category counts
            // as much as a good word, so a like-named product of another department still shows.
            must: [
              {
                more_like_this: {
                  fields: ['name', 'description', 'category.text'],
                  like: [{ _index: alias, _id: docId(productId) }],
                  min_term_freq: 1,
                  min_doc_freq: 1,
                  max_query_terms: 25,
                  minimum_should_match: '1',
                },
              },
            ],
            filter: [{ term: { active: true } }],
            must_not: [{ term: { in_stock: false } }],
          },
        },
        _source: ['id'],
      } as API.Search_RequestBody);
      return hitsOf(answer).map((h) => (h._source as { id: number }).id);
    },
  };
}
